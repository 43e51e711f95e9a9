"""Insert-or-update of many rows keyed by a unique constraint, on SQLite and PostgreSQL alike.

PostgreSQL gets one statement per batch whatever its size: the rows go as one JSON document
that ``jsonb_to_recordset`` turns back into typed rows (``INSERT ... SELECT ... FROM
jsonb_to_recordset(...) ON CONFLICT ...``), so the server plans and runs one statement instead
of one per row, the statement text is the same for every batch (built once per table and
column set), and the client encodes the batch in one call (orjson) rather than a parameter per
value. SQLite gets one cached statement executed for the rows (``executemany``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.elements import TextClause

from app.kit.types import Money, UTCDateTime, as_utc, money_text

# SQLite allows 32766 bound parameters per statement; stay well below for wide rows.
BATCH_ROWS = 500
_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]


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
    record only ever moves it to the platform's newest state. Every row has the same columns.
    """
    if not rows:
        return 0
    table = cast(Table, model.__table__)
    columns = tuple(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        statement = _recordset_statement(table, columns, tuple(key), tuple(keep_on_update))
        converters = _json_converters(table, columns)
        plain = [c for c, convert in zip(columns, converters, strict=True) if convert is None]
        converted = [(c, f) for c, f in zip(columns, converters, strict=True) if f is not None]
        for start in range(0, len(rows), BATCH_ROWS):
            batch = []
            for row in rows[start : start + BATCH_ROWS]:
                item = {c: row[c] for c in plain}
                for column, convert in converted:
                    item[column] = convert(row[column])
                batch.append(item)
            document = orjson.dumps(batch, default=_json_value).decode()
            await session.execute(statement, {"rows": document})
        return len(rows)
    inserting = sqlite.insert(table)
    skip = set(key) | set(keep_on_update) | {"id"}
    updates = {c: getattr(inserting.excluded, c) for c in columns if c not in skip}
    newer_only = (
        table.c.updated_at <= inserting.excluded.updated_at
        if "updated_at" in table.c and "updated_at" in columns
        else None
    )
    upserting = inserting.on_conflict_do_update(
        index_elements=list(key), set_=updates, where=newer_only
    )
    for start in range(0, len(rows), BATCH_ROWS):
        await session.execute(upserting, list(rows[start : start + BATCH_ROWS]))
    return len(rows)


@functools.cache
def _json_converters(table: Table, columns: tuple[str, ...]) -> list[Callable[[Any], Any] | None]:
    """Each column's conversion of a Python value for the JSON document (None: as it is).

    Money and UTC datetime columns, most of a fact row, get their type's own checks
    (:func:`app.kit.types.money_text`, :func:`app.kit.types.as_utc`) with money written
    straight as its decimal text, rather than the bind processor and then orjson's ``default``
    per value: a page of rows has thousands of them. Other types keep their own processor,
    where they have one."""
    converters: list[Callable[[Any], Any] | None] = []
    for column in columns:
        kind = table.c[column].type
        if isinstance(kind, Money):
            converters.append(money_text)
        elif isinstance(kind, UTCDateTime):
            converters.append(as_utc)
        else:
            converters.append(kind.bind_processor(_POSTGRESQL))
    return converters


def _json_value(value: Any) -> str:
    """Values orjson does not write itself (it writes aware datetimes in RFC 3339): as the text
    PostgreSQL reads back into the column's type."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"cannot upsert a {type(value).__name__}")


@functools.cache
def _recordset_statement(
    table: Table, columns: tuple[str, ...], key: tuple[str, ...], keep: tuple[str, ...]
) -> TextClause:
    quote = _POSTGRESQL.identifier_preparer.quote
    name = _POSTGRESQL.identifier_preparer.format_table(table)
    names = ", ".join(quote(column) for column in columns)
    typed = ", ".join(
        f"{quote(column)} {table.c[column].type.compile(dialect=_POSTGRESQL)}" for column in columns
    )
    skip = set(key) | set(keep) | {"id"}
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in skip)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    where = (
        f" WHERE {name}.updated_at <= EXCLUDED.updated_at"
        if updates and "updated_at" in table.c and "updated_at" in columns
        else ""
    )
    conflict = ", ".join(quote(column) for column in key)
    # identifiers from the table's metadata, quoted; the one value is a bound parameter
    sql = (
        f"INSERT INTO {name} ({names}) SELECT {names} "  # noqa: S608
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS batch({typed}) "
        f"ON CONFLICT ({conflict}) {action}{where}"
    )
    return text(sql).bindparams(bindparam("rows"))
