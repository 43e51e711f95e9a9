"""Fixtures shared by the whole suite: the database backends (SQLite file, real PostgreSQL).

PostgreSQL tests use the server named by ``CS_TEST_POSTGRES_URL`` (default: the local server,
user postgres). The suite creates its own database there, and drops only that one. When the
server cannot be reached the PostgreSQL tests fail with the reason: they are part of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.databases import migrated_postgres_database


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session, migrated to head."""
    with migrated_postgres_database("creditscore_test") as url:
        yield url


def _truncate_all(url: str) -> None:
    from sqlalchemy import create_engine, text

    from app.models import Base

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        # procrastinate's queue too: a job left by one test must not run in the next
        queue = ("procrastinate_jobs", "procrastinate_periodic_defers", "procrastinate_workers")
        tables = ", ".join([*(f'"{t.name}"' for t in Base.metadata.sorted_tables), *queue])
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
