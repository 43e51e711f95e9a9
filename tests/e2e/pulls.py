"""Reading and resetting what pulls stored, for tests that compare pulls with each other."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from app.db import transaction
from app.models import (
    AffiliateCommission,
    BusinessConnection,
    Order,
    QuarantinedRecord,
    Return,
    Settlement,
    SyncRun,
)
from tests.harness import Harness

FACTS = (Order, Settlement, AffiliateCommission, Return)


async def facts(harness: Harness, connection_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every fact row of the connection without bookkeeping columns, in a stable order."""
    skip = {"id", "first_seen_at", "last_seen_at"}
    out: dict[str, list[dict[str, Any]]] = {}
    async with transaction(harness.context.sessions) as session:
        for model in FACTS:
            columns = [c for c in model.__table__.columns if c.name not in skip]
            rows = await session.execute(
                select(*columns)
                .where(model.connection_id == connection_id)
                .order_by(model.external_id)
            )
            out[model.__tablename__] = [dict(row._mapping) for row in rows]
    return out


async def forget_pulls(harness: Harness, connection_id: str) -> None:
    """Back to a connection that was authorized but never pulled."""
    async with transaction(harness.context.sessions) as session:
        for model in (*FACTS, QuarantinedRecord):
            await session.execute(delete(model).where(model.connection_id == connection_id))
        await session.execute(delete(SyncRun).where(SyncRun.connection_id == connection_id))
        await session.execute(
            update(BusinessConnection)
            .where(BusinessConnection.id == connection_id)
            .values(sync_cursors={}, last_synced_at=None, sync_state="pending")
        )
