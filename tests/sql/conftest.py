"""A PostgreSQL database per test module, migrated, with the Supabase shim and the policies.

Created by ``tests.databases`` on the server of ``CS_TEST_POSTGRES_URL`` and dropped afterwards
(only that database: the shim's roles are cluster-wide and stay).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.databases import migrated_postgres_database

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
    with migrated_postgres_database("creditscore_rls") as url:
        run_script(url, SHIM)
        yield url


@pytest.fixture(scope="module")
def owner(migrated_database: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection as the tables' owner (the server's admin user), in autocommit."""
    with psycopg.connect(migrated_database, autocommit=True) as connection:
        yield connection
