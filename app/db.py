"""Database engines, sessions and migrations.

The service uses SQLAlchemy's asyncio engine (aiosqlite on the embedded default, psycopg 3 on
PostgreSQL); migrations run synchronously through Alembic from `sql/migrations`, the one source
of truth for the schema. Services never commit: the request or the job owns the transaction.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from app.kit.fair_pool import FairAsyncQueuePool

MIGRATIONS_DIR = Path(
    os.environ.get("CS_MIGRATIONS_DIR")
    or Path(__file__).resolve().parent.parent / "sql" / "migrations"
)


def driver_urls(url: str) -> tuple[str, str]:
    """(async URL, sync URL) for a configured database URL, choosing the drivers we ship."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return (
            parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False),
            parsed.set(drivername="sqlite").render_as_string(hide_password=False),
        )
    if backend == "postgresql":
        both = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return both, both
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Cascading deletes (disconnect removes synced data) need foreign keys on; WAL lets the
    # lender API read while a sync writes; the busy timeout waits for the writer instead of
    # failing with "database is locked".
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _prepare_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


# A connection returned to the pool this recently is handed out again without a ping: it was
# alive a moment ago, and the ping is a round trip on every checkout (as long as the lender
# read's whole statement). One idle for longer is pinged first and replaced if dead (a database
# restart, a firewall's idle timeout). HikariCP skips its check the same way (aliveBypassWindowMs,
# 500 ms). What this gives up: a connection that dies within the window fails the one request
# that gets it, as any connection that dies in use does; the pool then reconnects.
PING_AFTER_IDLE_S = 1.0


def create_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    ping_after_idle_s: float = PING_AFTER_IDLE_S,
    **kwargs: Any,
) -> AsyncEngine:
    async_url, _ = driver_urls(url)
    _prepare_sqlite_file(url)
    if pool_size is not None:
        kwargs["pool_size"] = pool_size
    if max_overflow is not None:
        kwargs["max_overflow"] = max_overflow
    kwargs.setdefault("poolclass", FairAsyncQueuePool)
    engine = create_async_engine(async_url, **kwargs)
    _ping_when_idle(engine.sync_engine, ping_after_idle_s)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _ping_when_idle(engine: Engine, after_s: float) -> None:
    """SQLAlchemy's pre-ping, for connections idle at least ``after_s`` seconds only."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < after_s:
            return  # just opened, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            # The pool discards this connection and hands out another (SQLAlchemy's contract
            # for checkout listeners).
            raise exc.DisconnectionError("the pooled connection is dead") from error


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    async with sessions() as session, session.begin():
        yield session


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    _, sync_url = driver_urls(url)
    # Alembic's default stdout is bound when alembic is imported; take the current one.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (blocking; call it from a thread in async code)."""
    from alembic import command

    _prepare_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)


def attach_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
