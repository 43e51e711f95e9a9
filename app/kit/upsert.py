"""Insert-or-update of many rows keyed by a unique constraint, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

# SQLite allows 32766 bound parameters per statement; stay well below for wide rows.
BATCH_ROWS = 500


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    keep_on_update: Sequence[str] = ("first_seen_at",),
) -> int:
    """Upsert ``rows`` into ``model``'s table on the unique ``key`` columns.

    Columns in ``keep_on_update`` keep their first value; every other column takes the new one.
    Where rows carry the platform's ``updated_at``, an older version never overwrites a newer
    one (webhooks arrive out of order, retries carry their original payload), so re-reading a
    record only ever moves it to the platform's newest state.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, model.__table__)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        statement = insert(table).values(list(batch))
        skip = set(key) | set(keep_on_update) | {"id"}
        updates = {
            column: getattr(statement.excluded, column) for column in batch[0] if column not in skip
        }
        newer_only = (
            table.c.updated_at <= statement.excluded.updated_at
            if "updated_at" in table.c and "updated_at" in batch[0]
            else None
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=list(key), set_=updates, where=newer_only
            )
        )
    return len(rows)
