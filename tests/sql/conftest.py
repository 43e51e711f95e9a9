"""A PostgreSQL database per test module, migrated, with the Supabase shim and the policies.

Created on the server of ``CS_TEST_POSTGRES_URL`` the way ``tests/conftest.py`` does, dropped
afterwards (only that database: the shim's roles are cluster-wide and stay).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "sql" / "policies" / "supabase_rls.sql"
SHIM = Path(__file__).resolve().parent / "supabase_shim.sql"


def run_script(conninfo: str, path: Path) -> None:
    """Run a whole SQL file the way psql would, in autocommit (the file brings its BEGIN)."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def migrated_database() -> Iterator[str]:
    """conninfo of a fresh database at the migrations' head, with the shim loaded (no policies)."""
    from app import db

    admin = make_url(ADMIN_URL)
    name = f"creditscore_rls_{os.getpid()}_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for this test and is not reachable at {admin!r}: {exc}. "
            "Start it (see README, Testing) or set CS_TEST_POSTGRES_URL.",
            pytrace=False,
        )
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    try:
        db.upgrade(url)
        run_script(url, SHIM)
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def owner(migrated_database: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection as the tables' owner (the server's admin user), in autocommit."""
    with psycopg.connect(migrated_database, autocommit=True) as connection:
        yield connection
