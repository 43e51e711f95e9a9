"""The pull: every stream of a connection, backfilled once then kept fresh incrementally.

A pull holds the connection's lease (`app.sync.lease`), plans each stream's windows from its
cursor (`app.sync.plan`) and commits rows, the stream's cursor and the lease renewal together at
every checkpoint, with upserts keyed by platform ids: a pull killed at any point loses nothing
committed and the next one resumes at the last checkpoint; a pull run twice changes nothing.

The streams of a connection are pulled side by side (their requests share the connection's rate
budget in the connector), and their commits go through one lock: the streams' cursors share the
connection row, and SQLite has one writer anyway. Each commit is one page, so memory does not grow
with the size of the shop.

Errors end the pull in the state they call for: `NeedsReauth` asks the seller again; a transient
failure that outlived the connector's retries leaves the connection active and raises
`SyncRetryLater` so the job queue tries again with backoff; a permanent one marks the connection
in error with a readable reason; another pull holding the lease raises `SyncBusy`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
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
from app.lender_webhooks import outbox as lender_webhooks
from app.models import BusinessConnection, ConnectionStatus, QuarantinedRecord, SyncRun, SyncState
from app.sync import lease
from app.sync.coverage import covered_span
from app.sync.metrics import snapshot
from app.sync.plan import Cursor, Incremental, Mode, Window, windows
from app.sync.rows import TARGETS, to_row
from connectors.amazon_sp_api.streams import INCREMENTAL as AMAZON_RULES
from connectors.core.cancellation import finished_even_if_cancelled
from connectors.core.errors import ConnectorError, NeedsReauth, RateLimited, Retriable
from connectors.core.incremental import Incremental as IncrementalRule
from connectors.core.records import Checkpoint, Platform, Quarantined, Record, ShopRecord
from connectors.tiktok_shop.streams import INCREMENTAL as TIKTOK_RULES
from connectors.tiktok_shop.streams import TimeField

log = structlog.get_logger(__name__)

StreamItem = Record | Checkpoint | Quarantined
OpenStream = Callable[
    [datetime, datetime, Mapping[str, Any] | None, Mode], AsyncIterator[StreamItem]
]
"""Opens a stream over ``[start, end)`` by creation or update time, resuming at a checkpoint."""


class SyncBusy(Exception):
    """Another pull holds the connection's lease: try again after it."""


class SyncRetryLater(Exception):
    """The platform failed transiently beyond the connector's retries: try the pull again later."""


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream the app pulls: how to open it, and how it is kept fresh (see app.sync.plan)."""

    name: str
    open: OpenStream
    incremental: Incremental
    reread: timedelta = timedelta(0)


def _rule(rules: tuple[IncrementalRule, ...], stream: str) -> timedelta:
    """The re-read span a connector declares for ``stream`` (zero when it declares none)."""
    return next((rule.trailing for rule in rules if rule.stream == stream), timedelta(0))


@dataclass
class SyncOutcome:
    connection_id: str
    status: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


def streams_of(context: AppContext, connection: BusinessConnection) -> list[StreamSpec]:
    """Every stream the connection is pulled with, and how each is kept fresh."""
    if connection.platform == AMAZON:
        seller = amazon_client(context, connection)
        marketplaces = marketplace_ids(connection)
        # Orders and finance transactions (payouts and fees, for reconciliation). A large
        # seller's pull legitimately takes long at Amazon's rates: checkpoints keep each page.
        return [
            StreamSpec(
                "orders",
                lambda s, e, st, mode: seller.orders(marketplaces, s, e, st, by=mode),
                "updated",
            ),
            StreamSpec(
                "transactions",
                lambda s, e, st, _: seller.transactions(s, e, st),
                "trailing",
                _rule(AMAZON_RULES, "transactions"),
            ),
        ]
    if connection.platform == SHOPIFY:
        store = shopify_client(context, connection.id, connection.external_account_id)
        # Refunds arrive with their orders (one GraphQL stream yields both).
        return [
            StreamSpec(
                "orders",
                lambda s, e, st, mode: store.orders(
                    s, e, st, by="updated_at" if mode == "updated" else "created_at"
                ),
                "updated",
            )
        ]
    client = tiktok_client(context, connection.id)
    if connection.role == "creator":
        account = connection.external_account_id
        return [
            StreamSpec(
                "creator_affiliate_orders",
                lambda s, e, st, _: client.creator_affiliate_orders(account, s, e, st),
                "trailing",
                _rule(TIKTOK_RULES, "creator_affiliate_orders"),
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

    def tiktok_time(mode: Mode) -> TimeField:
        return "update_time" if mode == "updated" else "create_time"

    return [
        StreamSpec(
            "orders",
            lambda s, e, st, mode: client.orders(shop, s, e, st, by=tiktok_time(mode)),
            "updated",
        ),
        StreamSpec(
            "statements",
            lambda s, e, st, _: client.statements(shop, s, e, st),
            "trailing",
            _rule(TIKTOK_RULES, "statements"),
        ),
        StreamSpec(
            "seller_affiliate_orders",
            lambda s, e, st, _: client.seller_affiliate_orders(shop, s, e, st),
            "trailing",
            _rule(TIKTOK_RULES, "seller_affiliate_orders"),
        ),
        StreamSpec(
            "returns",
            lambda s, e, st, mode: client.returns(shop, s, e, st, by=tiktok_time(mode)),
            "updated",
        ),
    ]


async def pull_connection(
    context: AppContext,
    connection_id: str,
    *,
    now: datetime | None = None,
    full: bool = False,
) -> SyncOutcome:
    """Bring one connection's stored data up to ``now`` (a full backfill when ``full``)."""
    end = now or context.clock()
    jobs = context.settings.jobs
    ttl = timedelta(seconds=jobs.sync_lease_seconds)
    owner = lease.new_owner()
    async with transaction(context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        if connection is None or connection.status != ConnectionStatus.ACTIVE.value:
            status = "missing" if connection is None else connection.status
            return SyncOutcome(connection_id, status=f"skipped:{status}")
        if not await lease.acquire(session, connection_id, owner, ttl):
            raise SyncBusy(f"connection {connection_id} is being pulled by another job")
        # A platform that shows fewer days (Shopify without read_all_orders) is pulled for
        # what it shows; the data window says so, and scoring lowers confidence for it.
        days = min(context.settings.sync_window_days, connection.visible_days or 10**6)
        borrower_id = connection.borrower_id
        specs = streams_of(context, connection)
        cursors = connection.sync_cursors or {}
        plans = {
            spec.name: windows(
                Cursor.parse(cursors.get(spec.name)),
                now=end,
                days=days,
                lag=timedelta(minutes=jobs.sync_lag_minutes),
                incremental=spec.incremental,
                reread=spec.reread,
                full=full,
            )
            for spec in specs
        }
        run = SyncRun(
            connection_id=connection_id,
            started_at=end,
            window_start=min((w.start for ws in plans.values() for w in ws), default=end),
            window_end=end,
        )
        session.add(run)
        connection.sync_state = SyncState.RUNNING.value
        await session.flush()
        run_id = run.id

    pull = _Pull(context, connection_id, borrower_id, run_id, owner, ttl)
    outcome = SyncOutcome(connection_id, status="running")
    # in the streams' order, whichever finishes first
    outcome.counts = {spec.name: dict.fromkeys(COUNTS, 0) for spec in specs if plans[spec.name]}

    async def pull_stream(spec: StreamSpec) -> None:
        for window in plans[spec.name]:
            counts = await pull.window(spec, window)
            total = outcome.counts[spec.name]
            for key, value in counts.items():
                total[key] += value

    retry_later: str | None = None
    try:
        await _side_by_side([pull_stream(spec) for spec in specs])
    except lease.LeaseLost as exc:
        # The other pull owns the connection's state now: only this run is marked.
        await _fail(context, run_id, outcome, str(exc), None, touch_connection=False)
    except NeedsReauth as exc:
        await _fail(context, run_id, outcome, exc.message, ConnectionStatus.NEEDS_REAUTH)
    except (Retriable, RateLimited) as exc:
        # Still failing after the connector's own retries: the platform is having a bad
        # hour. The connection is fine; the job is tried again later from the checkpoint.
        retry_later = f"{exc.message} (will retry)"
        await _fail(context, run_id, outcome, retry_later, None)
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
        await _complete(context, run_id, outcome, (end - timedelta(days=days), end))
    finally:
        async with transaction(context.sessions) as session:
            await lease.release(session, connection_id, owner)
    log.info(
        "sync_finished", connection_id=connection_id, status=outcome.status, counts=outcome.counts
    )
    if retry_later is not None:
        raise SyncRetryLater(retry_later)
    return outcome


COUNTS = ("fetched", "stored", "quarantined")


async def _side_by_side(jobs: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run ``jobs`` concurrently; the first failure (in the jobs' order among those failed when
    it is noticed) cancels the others and is raised as it is, for the handlers above."""
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class _Pull:
    """One pull's identity: what it writes for, and the lease it renews with every page."""

    context: AppContext
    connection_id: str
    borrower_id: str
    run_id: str
    owner: str
    ttl: timedelta
    writer: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One commit at a time: every stream's cursor is in the connection row (read, changed and
    written back in each commit)."""

    async def window(self, spec: StreamSpec, window: Window) -> dict[str, int]:
        counts = dict.fromkeys(COUNTS, 0)
        pending: list[Record] = []
        quarantined: list[Quarantined] = []
        items = spec.open(window.start, window.end, window.resume, window.mode)
        pages = 0
        try:
            async for item in items:
                if isinstance(item, Checkpoint):
                    pages += 1
                    run_cursor = window.run_cursor(item.state)
                    counts["stored"] += await finished_even_if_cancelled(
                        self._commit(spec.name, pending, quarantined, run_cursor, pages=pages)
                    )
                    counts["quarantined"] += len(quarantined)
                    pending, quarantined = [], []
                elif isinstance(item, Quarantined):
                    quarantined.append(item)
                else:
                    counts["fetched"] += 1
                    pending.append(item)
        finally:
            # a stream reading slices side by side stops its readers now, not when collected
            close = getattr(items, "aclose", None)
            if close is not None:
                await close()
        # The window is complete: what is left, and the cursor moved past the window.
        counts["stored"] += await finished_even_if_cancelled(
            self._commit(spec.name, pending, quarantined, None, pages=pages, through=window.end)
        )
        counts["quarantined"] += len(quarantined)
        return counts

    async def _commit(
        self,
        stream: str,
        records: list[Record],
        quarantined: list[Quarantined],
        run_cursor: dict[str, Any] | None,
        *,
        pages: int,
        through: datetime | None = None,
    ) -> int:
        """One transaction: the page's rows, its quarantined records, the cursor, the lease."""
        context = self.context
        seen_at = context.clock()
        by_kind: dict[type[Any], list[dict[str, Any]]] = {}
        for record in records:
            by_kind.setdefault(type(record), []).append(
                to_row(
                    record,
                    connection_id=self.connection_id,
                    borrower_id=self.borrower_id,
                    seen_at=seen_at,
                )
            )
        stored = 0
        async with self.writer, transaction(context.sessions) as session:
            await lease.renew(session, self.connection_id, self.owner, self.ttl)
            for kind, rows in by_kind.items():
                target = TARGETS[kind]
                stored += await upsert(session, target.model, _dedupe(rows, target.key), target.key)
            for item in quarantined:
                session.add(
                    QuarantinedRecord(
                        connection_id=self.connection_id,
                        sync_run_id=self.run_id,
                        stream=item.stream,
                        external_id=item.raw_id,
                        reason=item.reason,
                    )
                )
            connection = await session.get(BusinessConnection, self.connection_id)
            if connection is not None:
                cursors = dict(connection.sync_cursors or {})
                cursors[stream] = {
                    **_next_cursor(cursors.get(stream), run_cursor, through, seen_at),
                    "pages": pages,
                }
                connection.sync_cursors = cursors
                flag_modified(connection, "sync_cursors")
        return stored


def _next_cursor(
    previous: Any, run_cursor: dict[str, Any] | None, through: datetime | None, at: datetime
) -> dict[str, Any]:
    """The stream's cursor after a commit: mid-window (``run_cursor``) or past it (``through``)."""
    cursor = Cursor.parse(previous)
    updated_through = cursor.updated_through
    if through is not None:
        updated_through = through if updated_through is None else max(updated_through, through)
    return {
        "updated_through": updated_through.isoformat() if updated_through else None,
        "run": run_cursor,
        "at": at.isoformat(),
    }


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
        await session.flush()
        earlier = await session.execute(
            select(SyncRun.window_start, SyncRun.window_end).where(
                SyncRun.connection_id == connection.id, SyncRun.status == "complete"
            )
        )
        spans = [(start, end) for start, end in earlier]
        connection.data_window_start, connection.data_window_end = covered_span(spans) or window
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
    *,
    touch_connection: bool = True,
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
        if not touch_connection:
            return
        connection.sync_state = SyncState.FAILED.value
        if status is not None:
            moved = connection.status != status.value
            connection.status = status.value
            connection.status_reason = reason
            if moved and status is ConnectionStatus.NEEDS_REAUTH:
                # Granted lenders hear of it in this transaction (the outbox).
                await lender_webhooks.connection_needs_reauth(
                    session, connection, reason, at=context.clock()
                )
    if lender_webhooks.wrote_deliveries(session):
        await context.jobs.enqueue_lender_webhooks()
