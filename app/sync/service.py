"""The pull: every stream of a connection over the sync window, committed page by page.

Rows and the stream's cursor are committed together at each checkpoint, with upserts keyed by
platform ids, so a pull that dies half-way loses nothing committed and a pull run twice changes
nothing. Connector errors end the pull in the state they call for: `NeedsReauth` asks the seller
again, anything else marks the connection in error with a readable reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.orm.attributes import flag_modified

from app.connections.amazon import marketplace_ids
from app.connections.platforms import (
    AMAZON,
    SHOPIFY,
    amazon_client,
    shopify_client,
    tiktok_client,
)
from app.context import AppContext
from app.db import transaction
from app.kit.crypto import DecryptionError
from app.kit.upsert import upsert
from app.models import BusinessConnection, ConnectionStatus, QuarantinedRecord, SyncRun, SyncState
from app.sync.metrics import snapshot
from app.sync.rows import TARGETS, to_row
from connectors.core.errors import ConnectorError, NeedsReauth
from connectors.core.records import Checkpoint, Platform, Quarantined, Record, ShopRecord

log = structlog.get_logger(__name__)

StreamItem = Record | Checkpoint | Quarantined
OpenStream = Callable[[datetime, datetime], AsyncIterator[StreamItem]]


@dataclass
class SyncOutcome:
    connection_id: str
    status: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


def streams_of(context: AppContext, connection: BusinessConnection) -> list[tuple[str, OpenStream]]:
    """(stream name, opener by window) for every stream the connection is pulled with."""
    if connection.platform == AMAZON:
        seller = amazon_client(context, connection)
        marketplaces = marketplace_ids(connection)
        # Orders and finance transactions (payouts and fees, for reconciliation). A large
        # seller's pull legitimately takes long at Amazon's rates: checkpoints keep each page.
        return [
            ("orders", lambda s, e: seller.orders(marketplaces, s, e)),
            ("transactions", lambda s, e: seller.transactions(s, e)),
        ]
    if connection.platform == SHOPIFY:
        store = shopify_client(context, connection.id, connection.external_account_id)
        # Refunds arrive with their orders (one GraphQL stream yields both).
        return [("orders", lambda s, e: store.orders(s, e))]
    client = tiktok_client(context, connection.id)
    if connection.role == "creator":
        account = connection.external_account_id
        return [
            (
                "creator_affiliate_orders",
                lambda s, e: client.creator_affiliate_orders(account, s, e),
            ),
        ]
    shop = ShopRecord(
        platform=Platform(connection.platform),
        shop_id=connection.external_account_id,
        name=connection.shop_name or "",
        region=connection.region or "",
        currency=connection.currency,
        seller_type=connection.seller_type,
        cipher=connection.shop_cipher,
    )
    return [
        ("orders", lambda s, e: client.orders(shop, s, e)),
        ("statements", lambda s, e: client.statements(shop, s, e)),
        ("seller_affiliate_orders", lambda s, e: client.seller_affiliate_orders(shop, s, e)),
        ("returns", lambda s, e: client.returns(shop, s, e)),
    ]


async def pull_connection(
    context: AppContext, connection_id: str, *, now: datetime | None = None
) -> SyncOutcome:
    """Pull the whole sync window for one connection (the caller serialises per connection)."""
    end = now or context.clock()
    async with transaction(context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        if connection is None or connection.status != ConnectionStatus.ACTIVE.value:
            status = "missing" if connection is None else connection.status
            return SyncOutcome(connection_id, status=f"skipped:{status}")
        # A platform that shows fewer days (Shopify without read_all_orders) is pulled for
        # what it shows; the data window says so, and scoring lowers confidence for it.
        days = min(context.settings.sync_window_days, connection.visible_days or 10**6)
        start = end - timedelta(days=days)
        borrower_id = connection.borrower_id
        run = SyncRun(connection_id=connection_id, window_start=start, window_end=end)
        session.add(run)
        connection.sync_state = SyncState.RUNNING.value
        await session.flush()
        run_id = run.id
        streams = streams_of(context, connection)

    outcome = SyncOutcome(connection_id, status="running")
    try:
        for name, open_stream in streams:
            outcome.counts[name] = await _pull_stream(
                context, open_stream(start, end), name, connection_id, borrower_id, run_id
            )
    except NeedsReauth as exc:
        await _fail(context, run_id, outcome, exc.message, ConnectionStatus.NEEDS_REAUTH)
    except ConnectorError as exc:
        await _fail(context, run_id, outcome, exc.message, ConnectionStatus.ERROR)
    except DecryptionError as exc:
        await _fail(context, run_id, outcome, str(exc), ConnectionStatus.ERROR)
    except Exception as exc:
        # Our bug or an outage of our own: the connection itself is fine, so it stays active
        # and the next pull tries again; the run says what happened.
        await _fail(context, run_id, outcome, f"internal error ({type(exc).__name__})", None)
        raise
    else:
        await _complete(context, run_id, outcome, (start, end))
    log.info(
        "sync_finished", connection_id=connection_id, status=outcome.status, counts=outcome.counts
    )
    return outcome


async def _pull_stream(
    context: AppContext,
    items: AsyncIterator[StreamItem],
    name: str,
    connection_id: str,
    borrower_id: str,
    run_id: str,
) -> dict[str, int]:
    counts = {"fetched": 0, "stored": 0, "quarantined": 0}
    pending: list[Record] = []
    quarantined: list[Quarantined] = []
    async for item in items:
        if isinstance(item, Checkpoint):
            counts["stored"] += await _commit_page(
                context, pending, quarantined, item, connection_id, borrower_id, run_id
            )
            counts["quarantined"] += len(quarantined)
            pending, quarantined = [], []
        elif isinstance(item, Quarantined):
            quarantined.append(item)
        else:
            counts["fetched"] += 1
            pending.append(item)
    if pending or quarantined:  # a stream that ended without a final checkpoint
        counts["stored"] += await _commit_page(
            context, pending, quarantined, None, connection_id, borrower_id, run_id
        )
        counts["quarantined"] += len(quarantined)
    return counts


async def _commit_page(
    context: AppContext,
    records: list[Record],
    quarantined: list[Quarantined],
    checkpoint: Checkpoint | None,
    connection_id: str,
    borrower_id: str,
    run_id: str,
) -> int:
    seen_at = context.clock()
    by_kind: dict[type[Any], list[dict[str, Any]]] = {}
    for record in records:
        by_kind.setdefault(type(record), []).append(
            to_row(record, connection_id=connection_id, borrower_id=borrower_id, seen_at=seen_at)
        )
    stored = 0
    async with transaction(context.sessions) as session:
        for kind, rows in by_kind.items():
            target = TARGETS[kind]
            stored += await upsert(session, target.model, _dedupe(rows, target.key), target.key)
        for item in quarantined:
            session.add(
                QuarantinedRecord(
                    connection_id=connection_id,
                    sync_run_id=run_id,
                    stream=item.stream,
                    external_id=item.raw_id,
                    reason=item.reason,
                )
            )
        if checkpoint is not None:
            connection = await session.get(BusinessConnection, connection_id)
            if connection is not None:
                connection.sync_cursors = {
                    **(connection.sync_cursors or {}),
                    checkpoint.stream: {
                        "state": checkpoint.state,
                        "done": checkpoint.done,
                        "at": seen_at.isoformat(),
                    },
                }
                flag_modified(connection, "sync_cursors")
    return stored


def _dedupe(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """Last one wins: a platform may repeat a record within a page, and one INSERT ... ON
    CONFLICT statement cannot touch the same row twice."""
    return list({tuple(row[k] for k in key): row for row in rows}.values())


async def _complete(
    context: AppContext, run_id: str, outcome: SyncOutcome, window: tuple[datetime, datetime]
) -> None:
    async with transaction(context.sessions) as session:
        run = await session.get(SyncRun, run_id)
        connection = await session.get(BusinessConnection, outcome.connection_id)
        if connection is None or run is None:
            outcome.status = "deleted"
            return
        run.finished_at = connection.last_synced_at = context.clock()
        run.counts = outcome.counts
        run.status = outcome.status = "complete"
        connection.sync_state = SyncState.COMPLETE.value
        connection.data_window_start, connection.data_window_end = window
        # Platform facts stored at connect time (e.g. Shopify's product count) stay beside the
        # pulled data's figures.
        connection.metrics = {
            **(connection.metrics or {}),
            **await snapshot(session, connection.id, *window),
        }


async def _fail(
    context: AppContext,
    run_id: str,
    outcome: SyncOutcome,
    reason: str,
    status: ConnectionStatus | None,
) -> None:
    """End the run as failed; ``status`` (when given) is what the connection becomes."""
    async with transaction(context.sessions) as session:
        run = await session.get(SyncRun, run_id)
        connection = await session.get(BusinessConnection, outcome.connection_id)
        if connection is None or run is None:
            outcome.status = "deleted"
            return
        run.finished_at = context.clock()
        run.counts = outcome.counts
        run.status = outcome.status = "failed"
        run.error = outcome.error = reason
        connection.sync_state = SyncState.FAILED.value
        if status is not None:
            connection.status = status.value
            connection.status_reason = reason
