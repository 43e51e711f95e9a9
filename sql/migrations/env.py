"""Alembic environment: runs migrations on the sync driver of the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.models  # noqa: F401  (registers every table on the metadata)
from app.db import attach_sqlite_pragmas, driver_urls
from app.models.base import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from app.config import Settings

    url = driver_urls(Settings().resolved_database_url)[1]
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))


def include_object(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    """procrastinate's queue tables are its own schema (migration 0007), not our models."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def run_migrations_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    attach_sqlite_pragmas(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
