"""Writing events for lenders in the transaction of the change they report (the outbox).

`score_updated` and `connection_needs_reauth` add an event and one pending delivery per enabled
endpoint, subscribed to the type, of every lender whose grant for the borrower is active now, to
the caller's session. They commit or roll back with the score or the connection's status; a job
(`app.lender_webhooks.tasks`) sends them afterwards. A borrower without such a lender gets no
event row at all. `wrote_deliveries` tells the caller, after its commit, whether to start that job.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    BusinessConnection,
    LenderGrant,
    LenderWebhookDelivery,
    LenderWebhookEndpoint,
    LenderWebhookEvent,
    Score,
)
from app.models.base import utcnow

SCORE_UPDATED = "score.updated"
CONNECTION_NEEDS_REAUTH = "connection.needs_reauth"
_WROTE = "lender_webhooks.wrote"


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


async def _recipients(
    session: AsyncSession, borrower_id: str, event_type: str
) -> list[LenderWebhookEndpoint]:
    now = utcnow()
    granted = select(LenderGrant.lender_id).where(
        LenderGrant.borrower_id == borrower_id,
        LenderGrant.revoked_at.is_(None),
        or_(LenderGrant.expires_at.is_(None), LenderGrant.expires_at > now),
    )
    endpoints = await session.scalars(
        select(LenderWebhookEndpoint)
        .where(
            LenderWebhookEndpoint.enabled.is_(True),
            LenderWebhookEndpoint.lender_id.in_(granted),
        )
        .order_by(LenderWebhookEndpoint.created_at)
    )
    return [endpoint for endpoint in endpoints if event_type in (endpoint.event_types or ())]


async def emit(
    session: AsyncSession,
    event_type: str,
    borrower_id: str,
    data: dict[str, Any],
    *,
    at: datetime | None = None,
) -> LenderWebhookEvent | None:
    """Add the event and its deliveries to the session; ``None`` when nobody is to get it."""
    endpoints = await _recipients(session, borrower_id, event_type)
    if not endpoints:
        return None
    created = at or utcnow()
    event_id = new_event_id()
    event = LenderWebhookEvent(
        id=event_id,
        type=event_type,
        borrower_id=borrower_id,
        created_at=created,
        payload={"id": event_id, "type": event_type, "created_at": _iso(created), "data": data},
    )
    session.add(event)
    await session.flush()  # the event row first: its deliveries refer to it
    session.add_all(
        LenderWebhookDelivery(
            event_id=event_id,
            endpoint_id=endpoint.id,
            status="pending",
            scheduled_at=created,
            next_attempt_at=created,
            created_at=created,
        )
        for endpoint in endpoints
    )
    session.info[_WROTE] = True
    await session.flush()
    return event


def score_summary(score: Score) -> dict[str, Any]:
    """What a lender needs to decide whether to read the score again: no figures of buyers."""
    return {
        "status": score.status,
        "composite": score.composite,
        "tier": score.tier,
        "confidence": score.confidence,
        "model_version": score.model_version,
        "as_of": _iso(score.as_of),
        "data_as_of": _iso(score.data_as_of),
    }


async def score_updated(
    session: AsyncSession, scores: Iterable[Score], *, at: datetime | None = None
) -> int:
    """One ``score.updated`` per newly stored score; the number of events written."""
    written = 0
    for score in scores:
        data = {"borrower_id": score.borrower_id, "score": score_summary(score)}
        if await emit(session, SCORE_UPDATED, score.borrower_id, data, at=at) is not None:
            written += 1
    return written


async def connection_needs_reauth(
    session: AsyncSession,
    connection: BusinessConnection,
    reason: str,
    *,
    at: datetime | None = None,
) -> bool:
    """A ``connection.needs_reauth`` for a connection that has just moved to that status."""
    data = {
        "borrower_id": connection.borrower_id,
        "connection": {"id": connection.id, "platform": connection.platform},
        "reason": reason[:300],
    }
    event = await emit(session, CONNECTION_NEEDS_REAUTH, connection.borrower_id, data, at=at)
    return event is not None


def wrote_deliveries(session: AsyncSession) -> bool:
    """Whether this session (after its commit) wrote deliveries that a job should send."""
    return bool(session.info.get(_WROTE))
