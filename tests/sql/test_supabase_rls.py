"""sql/policies/supabase_rls.sql on the real PostgreSQL, with the Supabase shim.

Each request of Supabase's Data API runs as ``SET LOCAL ROLE <role>`` with the verified JWT's
claims in ``request.jwt.claims``; the tests do exactly that through psycopg and check what each
role can read and write: borrower A sees none of borrower B's rows, token columns are readable
by nobody but the service role (and the owner), anon sees nothing, nobody but the backend writes.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import errors, sql
from sqlalchemy.engine import make_url

from tests.databases import ADMIN_URL
from tests.sql.conftest import POLICIES, run_script
from tests.sql.seed import BORROWERS, IMPOSTOR, A, B, Borrower, seed

pytestmark = pytest.mark.postgres

Connection = psycopg.Connection[tuple[object, ...]]
Cursor = psycopg.Cursor[tuple[object, ...]]

# Table -> the column naming the borrower a row belongs to.
READABLE = {
    "borrowers": "id",
    "business_connections": "borrower_id",
    "orders": "borrower_id",
    "settlements": "borrower_id",
    "affiliate_commissions": "borrower_id",
    "returns": "borrower_id",
    "scores": "borrower_id",
    "lender_grants": "borrower_id",
}
CLOSED = (
    "lenders",
    "lender_api_keys",
    "oauth_states",
    "webhook_events",
    "sync_runs",
    "quarantined_records",
    "alembic_version",
)
TOKEN_COLUMNS = ("access_token_enc", "refresh_token_enc")
OTHER_SECRET_COLUMNS = (
    "shop_cipher",
    "sync_cursors",
    "access_token_expires_at",
    "refresh_token_expires_at",
)
ALL_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"
COLUMN_PRIVILEGES = "SELECT, INSERT, UPDATE, REFERENCES"


@pytest.fixture(scope="module")
def database(migrated_database: str, owner: Connection) -> str:
    run_script(migrated_database, POLICIES)
    seed(owner)
    return migrated_database


@contextmanager
def acting_as(connection: Connection, role: str, sub: str | None = None) -> Iterator[Cursor]:
    """A Data API request: the role and JWT claims PostgREST would set, rolled back after."""
    claims: dict[str, str] = {"role": role}
    if sub is not None:
        claims["sub"] = sub
    with connection.transaction(force_rollback=True), connection.cursor() as cur:
        cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield cur


def assert_refused(cur: Cursor, query: sql.SQL | sql.Composed) -> None:
    """The statement fails for lack of privilege (inside a savepoint, so the request goes on)."""
    with pytest.raises(errors.InsufficientPrivilege), cur.connection.transaction():
        cur.execute(query)


def public_tables(owner: Connection) -> list[str]:
    rows = owner.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p') ORDER BY relname"
    ).fetchall()
    return [str(name) for (name,) in rows]


def count_owned(owner: Connection, table: str, borrower: Borrower) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(READABLE[table])
    )
    row = owner.execute(query, (borrower.id,)).fetchone()
    assert row is not None
    return int(str(row[0]))


class TestBorrowerReadsOwnRows:
    @pytest.mark.parametrize("borrower", [A, B], ids=["A", "B"])
    @pytest.mark.parametrize("table", list(READABLE))
    def test_sees_exactly_its_own_rows(
        self, database: str, owner: Connection, table: str, borrower: Borrower
    ) -> None:
        expected = count_owned(owner, table, borrower)
        assert expected > 0
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.Identifier(READABLE[table]), sql.Identifier(table)
        )
        with acting_as(owner, "authenticated", borrower.sub) as cur:
            seen = [row[0] for row in cur.execute(query).fetchall()]
        assert seen == [borrower.id] * expected

    @pytest.mark.parametrize("other", [B, IMPOSTOR], ids=["B", "dev-subject-with-A-uuid"])
    @pytest.mark.parametrize("table", list(READABLE))
    def test_asking_for_another_borrower_returns_nothing(
        self, database: str, owner: Connection, table: str, other: Borrower
    ) -> None:
        assert count_owned(owner, table, other) > 0
        query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
            sql.Identifier(table), sql.Identifier(READABLE[table])
        )
        with acting_as(owner, "authenticated", A.sub) as cur:
            assert cur.execute(query, (other.id,)).fetchone() == (0,)

    @pytest.mark.parametrize(
        "sub", [str(uuid.uuid4()), None], ids=["sub-without-borrower", "no-sub"]
    )
    def test_user_without_a_borrower_sees_nothing(
        self, database: str, owner: Connection, sub: str | None
    ) -> None:
        with acting_as(owner, "authenticated", sub) as cur:
            for table in READABLE:
                query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                assert cur.execute(query).fetchone() == (0,), table

    def test_malformed_sub_is_an_error_not_a_match(self, database: str, owner: Connection) -> None:
        with (
            pytest.raises(errors.InvalidTextRepresentation),
            acting_as(owner, "authenticated", A.subject) as cur,
        ):
            cur.execute("SELECT id FROM borrowers")

    def test_helper_names_the_callers_borrower(self, database: str, owner: Connection) -> None:
        for borrower in (A, B):
            with acting_as(owner, "authenticated", borrower.sub) as cur:
                row = cur.execute("SELECT app_private.current_borrower_id()").fetchone()
            assert row == (borrower.id,)


class TestTokenColumns:
    @pytest.mark.parametrize("column", TOKEN_COLUMNS)
    @pytest.mark.parametrize("role", ["anon", "authenticated"])
    def test_selecting_a_token_column_is_refused(
        self, database: str, owner: Connection, role: str, column: str
    ) -> None:
        with acting_as(owner, role, A.sub) as cur:
            assert_refused(
                cur,
                sql.SQL("SELECT {} FROM business_connections").format(sql.Identifier(column)),
            )
            assert_refused(
                cur,
                sql.SQL("SELECT id FROM business_connections WHERE {} IS NOT NULL").format(
                    sql.Identifier(column)
                ),
            )

    def test_select_star_on_connections_is_refused(self, database: str, owner: Connection) -> None:
        with acting_as(owner, "authenticated", A.sub) as cur:
            assert_refused(cur, sql.SQL("SELECT * FROM business_connections"))
            assert_refused(cur, sql.SQL("SELECT c FROM business_connections AS c"))

    @pytest.mark.parametrize("role", ["PUBLIC", "anon", "authenticated"])
    def test_no_secret_column_is_granted(self, database: str, owner: Connection, role: str) -> None:
        for column in TOKEN_COLUMNS + OTHER_SECRET_COLUMNS:
            row = owner.execute(
                "SELECT has_column_privilege(%s, 'public.business_connections', %s, 'SELECT')",
                (role.lower() if role == "PUBLIC" else role, column),
            ).fetchone()
            assert row == (False,), column

    @pytest.mark.parametrize("column", TOKEN_COLUMNS)
    def test_only_the_owner_and_the_service_role_hold_select(
        self, database: str, owner: Connection, column: str
    ) -> None:
        grantees = owner.execute(
            """
            SELECT DISTINCT coalesce(r.rolname, 'PUBLIC')
            FROM (
                SELECT (aclexplode(c.relacl)).* FROM pg_class AS c
                WHERE c.oid = 'public.business_connections'::regclass
                UNION ALL
                SELECT (aclexplode(a.attacl)).* FROM pg_attribute AS a
                WHERE a.attrelid = 'public.business_connections'::regclass AND a.attname = %s
            ) AS acl
            LEFT JOIN pg_roles AS r ON r.oid = acl.grantee
            WHERE acl.privilege_type = 'SELECT'
            """,
            (column,),
        ).fetchall()
        table_owner = owner.execute(
            "SELECT relowner::regrole::text FROM pg_class "
            "WHERE oid = 'public.business_connections'::regclass"
        ).fetchone()
        assert table_owner is not None
        assert {g for (g,) in grantees} == {table_owner[0], "service_role"}
        for role in ("anon", "authenticated"):
            memberships = owner.execute(
                "SELECT pg_has_role(%s, 'service_role', 'MEMBER'), pg_has_role(%s, %s, 'MEMBER')",
                (role, role, table_owner[0]),
            ).fetchone()
            assert memberships == (False, False), role

    def test_a_permissive_policy_added_later_still_cannot_expose_tokens(
        self, database: str, owner: Connection
    ) -> None:
        with owner.transaction(force_rollback=True), owner.cursor() as cur:
            cur.execute(
                "CREATE POLICY careless ON business_connections FOR SELECT "
                "TO authenticated USING (true)"
            )
            cur.execute("SET LOCAL ROLE authenticated")
            cur.execute(
                "SELECT set_config('request.jwt.claims', %s, true)",
                (json.dumps({"sub": A.sub, "role": "authenticated"}),),
            )
            # The careless policy does open B's rows (that is what it says)...
            visible = cur.execute("SELECT count(*) FROM business_connections").fetchone()
            assert visible == (len(BORROWERS),)
            # ...but the token columns stay closed whatever the policies say.
            for column in TOKEN_COLUMNS:
                assert_refused(
                    cur,
                    sql.SQL("SELECT {} FROM business_connections").format(sql.Identifier(column)),
                )

    def test_service_role_reads_every_token(self, database: str, owner: Connection) -> None:
        with acting_as(owner, "service_role") as cur:
            rows = cur.execute(
                "SELECT access_token_enc, refresh_token_enc FROM business_connections"
            ).fetchall()
        assert sorted(rows) == sorted((b.access_token, b.refresh_token) for b in BORROWERS)


class TestClosedTables:
    @pytest.mark.parametrize("table", CLOSED)
    def test_authenticated_cannot_read(self, database: str, owner: Connection, table: str) -> None:
        with acting_as(owner, "authenticated", A.sub) as cur:
            assert_refused(cur, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))

    def test_every_table_without_a_borrower_policy_is_closed_to_authenticated(
        self, database: str, owner: Connection
    ) -> None:
        closed = [t for t in public_tables(owner) if t not in READABLE]
        assert set(CLOSED) <= set(closed)
        for table in closed:
            row = owner.execute(
                "SELECT has_table_privilege('authenticated', %s, %s), "
                "has_any_column_privilege('authenticated', %s, %s)",
                (f"public.{table}", ALL_PRIVILEGES, f"public.{table}", COLUMN_PRIVILEGES),
            ).fetchone()
            assert row == (False, False), table
        with acting_as(owner, "authenticated", A.sub) as cur:
            for table in closed:
                assert_refused(cur, sql.SQL("SELECT 1 FROM {}").format(sql.Identifier(table)))

    def test_anon_can_do_nothing_on_any_table(self, database: str, owner: Connection) -> None:
        tables = public_tables(owner)
        assert set(READABLE) | set(CLOSED) <= set(tables)
        for table in tables:
            row = owner.execute(
                "SELECT has_table_privilege('anon', %s, %s), "
                "has_any_column_privilege('anon', %s, %s)",
                (f"public.{table}", ALL_PRIVILEGES, f"public.{table}", COLUMN_PRIVILEGES),
            ).fetchone()
            assert row == (False, False), table
        with acting_as(owner, "anon") as cur:
            for table in tables:
                assert_refused(cur, sql.SQL("SELECT 1 FROM {}").format(sql.Identifier(table)))

    @pytest.mark.parametrize("role", ["anon", "authenticated"])
    def test_no_sequence_is_usable(self, database: str, owner: Connection, role: str) -> None:
        rows = owner.execute(
            "SELECT c.relname, has_sequence_privilege(%s, c.oid, 'USAGE, SELECT, UPDATE') "
            "FROM pg_class AS c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind = 'S'",
            (role,),
        ).fetchall()
        assert rows
        assert [name for name, allowed in rows if allowed] == []

    def test_anon_cannot_reach_the_helper(self, database: str, owner: Connection) -> None:
        row = owner.execute(
            "SELECT has_schema_privilege('anon', 'app_private', 'USAGE'), "
            "has_function_privilege('anon', 'app_private.current_borrower_id()', 'EXECUTE')"
        ).fetchone()
        assert row == (False, False)


class TestNoWritesThroughTheDataApi:
    @pytest.mark.parametrize("table", list(READABLE))
    def test_authenticated_cannot_change_its_own_rows(
        self, database: str, owner: Connection, table: str
    ) -> None:
        target = sql.Identifier(table)
        key = sql.Identifier(READABLE[table])
        own = sql.Literal(A.id)
        statements = [
            sql.SQL("INSERT INTO {} DEFAULT VALUES").format(target),
            sql.SQL("UPDATE {} SET {} = {} WHERE {} = {}").format(target, key, key, key, own),
            sql.SQL("DELETE FROM {} WHERE {} = {}").format(target, key, own),
            sql.SQL("TRUNCATE {} CASCADE").format(target),
        ]
        with acting_as(owner, "authenticated", A.sub) as cur:
            for statement in statements:
                assert_refused(cur, statement)
        assert count_owned(owner, table, A) > 0

    @pytest.mark.parametrize("role", ["anon", "authenticated"])
    def test_no_write_privilege_on_any_table(
        self, database: str, owner: Connection, role: str
    ) -> None:
        for table in public_tables(owner):
            row = owner.execute(
                "SELECT has_table_privilege(%s, %s, 'INSERT, UPDATE, DELETE, TRUNCATE'), "
                "has_any_column_privilege(%s, %s, 'INSERT, UPDATE')",
                (role, f"public.{table}", role, f"public.{table}"),
            ).fetchone()
            assert row == (False, False), table


class TestServiceRole:
    def test_bypasses_row_level_security(self, database: str, owner: Connection) -> None:
        row = owner.execute(
            "SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'"
        ).fetchone()
        assert row == (True,), "service_role must have BYPASSRLS, as on Supabase"

    def test_sees_every_row_of_every_table(self, database: str, owner: Connection) -> None:
        tables = public_tables(owner)
        counts = {}
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            counts[table] = owner.execute(query).fetchone()
        assert counts["business_connections"] == (len(BORROWERS),)
        with acting_as(owner, "service_role") as cur:
            for table in tables:
                query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                assert cur.execute(query).fetchone() == counts[table], table

    def test_writes_as_the_backend(self, database: str, owner: Connection) -> None:
        with acting_as(owner, "service_role") as cur:
            cur.execute(
                "UPDATE business_connections SET status = 'revoked', access_token_enc = NULL "
                "WHERE id = %s",
                (B.connection_id,),
            )
            assert cur.rowcount == 1
            cur.execute(
                "INSERT INTO lenders (id, name, created_at) VALUES (%s, 'Lender Two', now())",
                (str(uuid.uuid4()),),
            )
            assert cur.rowcount == 1
            cur.execute("DELETE FROM orders WHERE borrower_id = %s", (B.id,))
            assert cur.rowcount == B.facts


SNAPSHOT_QUERIES = (
    """
    SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text,
        (SELECT array_agg(a.attname || ':' || a.attacl::text ORDER BY a.attnum)
         FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)::text
    FROM pg_class AS c
    WHERE c.relnamespace IN ('public'::regnamespace, 'app_private'::regnamespace)
    ORDER BY c.relname
    """,
    """
    SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check
    FROM pg_policies ORDER BY tablename, policyname
    """,
    """
    SELECT defaclrole::regrole::text, defaclnamespace::regnamespace::text, defaclobjtype,
        defaclacl::text
    FROM pg_default_acl ORDER BY 1, 2, 3
    """,
    """
    SELECT p.oid::regprocedure::text, p.prosecdef, p.provolatile, p.proconfig::text,
        p.proacl::text, n.nspacl::text
    FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname = 'app_private'
    """,
)


def snapshot(owner: Connection) -> list[list[tuple[object, ...]]]:
    return [owner.execute(query).fetchall() for query in SNAPSHOT_QUERIES]


class TestPolicyFile:
    def test_every_table_has_row_level_security_enabled_and_forced(
        self, database: str, owner: Connection
    ) -> None:
        rows = owner.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p') AND NOT (relrowsecurity AND relforcerowsecurity)"
        ).fetchall()
        assert rows == []

    def test_policies_only_let_authenticated_select_the_borrower_tables(
        self, database: str, owner: Connection
    ) -> None:
        rows = owner.execute(
            "SELECT tablename, permissive, roles::text, cmd FROM pg_policies "
            "WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        assert rows == [
            (table, "PERMISSIVE", "{authenticated}", "SELECT") for table in sorted(READABLE)
        ]

    def test_helper_is_a_stable_security_definer_with_a_fixed_search_path(
        self, database: str, owner: Connection
    ) -> None:
        row = owner.execute(
            "SELECT prosecdef, provolatile, proconfig FROM pg_proc "
            "WHERE oid = 'app_private.current_borrower_id()'::regprocedure"
        ).fetchone()
        assert row == (True, "s", ['search_path=""'])

    def test_applying_it_again_changes_nothing(self, database: str, owner: Connection) -> None:
        before = snapshot(owner)
        run_script(database, POLICIES)
        run_script(database, POLICIES)
        assert snapshot(owner) == before
        with acting_as(owner, "authenticated", A.sub) as cur:
            seen = cur.execute("SELECT DISTINCT borrower_id FROM orders").fetchall()
        assert seen == [(A.id,)]

    def test_a_table_added_later_is_closed_at_once_and_locked_by_a_rerun(
        self, database: str, owner: Connection
    ) -> None:
        owner.execute("CREATE TABLE public.added_later (id bigserial PRIMARY KEY, secret text)")
        try:
            privileges = owner.execute(
                "SELECT has_table_privilege('anon', 'public.added_later', %s), "
                "has_table_privilege('authenticated', 'public.added_later', %s), "
                "has_table_privilege('service_role', 'public.added_later', 'SELECT, INSERT')",
                (ALL_PRIVILEGES, ALL_PRIVILEGES),
            ).fetchone()
            assert privileges == (False, False, True)
            run_script(database, POLICIES)
            flags = owner.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE oid = 'public.added_later'::regclass"
            ).fetchone()
            assert flags == (True, True)
        finally:
            owner.execute("DROP TABLE public.added_later")

    def test_refuses_a_database_that_has_not_been_migrated(self) -> None:
        admin = make_url(ADMIN_URL).set(drivername="postgresql")
        name = f"creditscore_rls_empty_{os.getpid()}_{secrets.token_hex(3)}"
        admin_info = admin.render_as_string(hide_password=False)
        with psycopg.connect(admin_info, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = admin.set(database=name).render_as_string(hide_password=False)
            with pytest.raises(errors.RaiseException, match="run the migrations first"):
                run_script(url, POLICIES)
            with psycopg.connect(url) as connection:
                row = connection.execute("SELECT to_regnamespace('app_private')").fetchone()
            assert row == (None,)
        finally:
            with psycopg.connect(admin_info, autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
