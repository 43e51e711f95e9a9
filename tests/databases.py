"""Test databases on the PostgreSQL server named by ``CS_TEST_POSTGRES_URL`` (default: the local
server, user postgres): created fresh, migrated to head, and dropped afterwards — only the
databases the suite created. An unreachable server fails the test with the reason."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def migrated_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new database ``<prefix>_<pid>_<random>`` at the migrations' head."""
    from app import db

    admin = make_url(ADMIN_URL)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
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
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
