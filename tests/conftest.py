"""Fixtures shared by the whole suite: the database backends (SQLite file, real PostgreSQL).

PostgreSQL tests use the server named by ``CS_TEST_POSTGRES_URL`` (default: the local server,
user postgres). The suite creates its own database there, and drops only that one. When the
server cannot be reached the PostgreSQL tests fail with the reason: they are part of the suite.
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


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session, migrated to head."""
    from app import db

    admin = make_url(ADMIN_URL)
    name = f"creditscore_test_{os.getpid()}_{secrets.token_hex(3)}"
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
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        db.upgrade(url)
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(url: str) -> None:
    from sqlalchemy import create_engine, text

    from app.models import Base

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and again on PostgreSQL, on an empty schema."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'creditscore.db').as_posix()}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_all(url)
    return url
