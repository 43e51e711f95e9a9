"""The work itself, the same whichever queue runs it: pull and score, re-score, delete, refresh.

Each task opens its own transactions (the job owns them) and is safe to run again: pulls resume
from checkpoints and upsert by platform id, scores are recomputed from what is stored.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select

from app.context import AppContext
from app.db import transaction
from app.lender_webhooks import outbox as lender_webhooks
from app.models import BusinessConnection, ConnectionStatus
from app.scores.service import score_borrowers
from app.sync import lease
from app.sync.service import SyncOutcome, pull_connection


async def sync_and_score(
    context: AppContext, connection_id: str, *, full: bool = False
) -> SyncOutcome:
    """Pull the connection (raising ``SyncRetryLater``/``SyncBusy`` to be retried), then score
    its borrower from everything stored."""
    outcome = await pull_connection(context, connection_id, full=full)
    async with transaction(context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        borrower_id = connection.borrower_id if connection is not None else None
    if borrower_id is not None:
        await rescore(context, borrower_id)
    return outcome


async def rescore(context: AppContext, borrower_id: str) -> None:
    async with transaction(context.sessions) as session:
        await score_borrowers(session, [borrower_id], as_of=context.clock())
    if lender_webhooks.wrote_deliveries(session):
        await context.jobs.enqueue_lender_webhooks()


async def delete_connections(
    context: AppContext, connection_ids: list[str], rescore_ids: list[str]
) -> None:
    """Delete connections with their data (a shop's redaction), then re-score.

    A pull still running on a deleted connection loses its lease row and stops at its next
    checkpoint without writing (see ``app.sync.lease``)."""
    for connection_id in connection_ids:
        async with transaction(context.sessions) as session:
            await session.execute(
                delete(BusinessConnection).where(BusinessConnection.id == connection_id)
            )
    for borrower_id in rescore_ids:
        await rescore(context, borrower_id)


async def due_for_refresh(context: AppContext) -> list[str]:
    """Active connections whose data are older than the refresh interval and that no pull
    holds right now, oldest first."""
    now = context.clock()
    stale_before = now - timedelta(hours=context.settings.jobs.refresh_every_hours)
    async with transaction(context.sessions) as session:
        rows = await session.scalars(
            select(BusinessConnection.id)
            .where(
                BusinessConnection.status == ConnectionStatus.ACTIVE.value,
                or_(
                    BusinessConnection.last_synced_at.is_(None),
                    BusinessConnection.last_synced_at < stale_before,
                ),
                or_(
                    BusinessConnection.sync_lease_until.is_(None),
                    BusinessConnection.sync_lease_until < lease.wall_clock(),
                ),
            )
            .order_by(
                BusinessConnection.last_synced_at.is_not(None), BusinessConnection.last_synced_at
            )
        )
        return list(rows)
