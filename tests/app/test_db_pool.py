"""Each process's database pool is sized by the settings, and pings only connections left idle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from app.config import Settings
from app.db import create_engine
from app.runtime import open_context


async def test_the_service_pool_follows_its_settings(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        database_pool_size=12,
        database_max_overflow=4,
    )
    async with open_context(settings, migrate=False) as context:
        pool = context.engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow) == (12, 4)
        async with context.engine.connect() as connection:
            assert pool.checkedout() == 1
            await connection.close()


@asynccontextmanager
async def pool_with_a_dead_connection(
    url: str, ping_after_idle_s: float
) -> AsyncIterator[tuple[AsyncEngine, int]]:
    """An engine whose pool holds two connections, the server process of one of them killed;
    yields the engine and that process's id, and disposes of the engine afterwards."""
    engine = create_engine(url, pool_size=2, ping_after_idle_s=ping_after_idle_s)
    try:
        async with engine.connect() as victim, engine.connect() as killer:
            pid = int(await victim.scalar(text("SELECT pg_backend_pid()")))
            await victim.commit()  # nothing to roll back when it returns, dead, to the pool
            await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        yield engine, pid
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_connection_idle_past_the_window_is_pinged_and_replaced(
    postgres_database: str,
) -> None:
    async with pool_with_a_dead_connection(postgres_database, 0) as (engine, dead):
        for _ in range(2):  # whichever pooled connection comes out, it works
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT pg_backend_pid()")) != dead


@pytest.mark.postgres
async def test_a_connection_returned_within_the_window_is_not_pinged(
    postgres_database: str,
) -> None:
    # The trade-off the window makes: a connection that died within it fails its next use (as
    # one dying in use does), and the pool then replaces it.
    async with pool_with_a_dead_connection(postgres_database, 3600) as (engine, dead):
        failures = 0
        for _ in range(2):
            try:
                async with engine.connect() as connection:
                    await connection.scalar(text("SELECT 1"))
            except DBAPIError as error:
                assert error.connection_invalidated
                failures += 1
        assert failures == 1
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != dead
