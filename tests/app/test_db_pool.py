"""Each process's database pool is sized by the settings."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.pool import QueuePool

from app.config import Settings
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
