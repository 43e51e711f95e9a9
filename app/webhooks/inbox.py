"""The webhook inbox: a delivery is recorded once; a replay or a concurrent duplicate is not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import WebhookEvent


async def record_delivery(
    session: AsyncSession,
    *,
    platform: str,
    delivery_id: str,
    event_id: str | None,
    topic: str,
    account: str,
    triggered_at: datetime | None,
    received_at: datetime,
) -> bool:
    """True if this delivery is new; False if the inbox already holds it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(WebhookEvent)
        .values(
            platform=platform,
            delivery_id=delivery_id,
            event_id=event_id,
            topic=topic,
            account=account,
            triggered_at=triggered_at,
            received_at=received_at,
        )
        .on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
        # RETURNING, not rowcount: the driver's rowcount is not reliable for DO NOTHING.
        .returning(WebhookEvent.id)
    )
    return result.scalar_one_or_none() is not None


async def mark_processed(
    session: AsyncSession, platform: str, delivery_id: str, outcome: str, at: datetime
) -> None:
    await session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.platform == platform, WebhookEvent.delivery_id == delivery_id)
        .values(processed_at=at, outcome=outcome)
    )
