"""The queue of the embedded default: the tasks run as asyncio tasks inside the service.

At most one pull runs per connection in this process (a lock per connection; the database lease
guards against other processes); a pull requested while one runs is coalesced into one more pull
after it. Transient failures are retried with exponential backoff (stamina), permanent ones are
not. A scheduler refreshes due connections at the ticks of ``jobs.refresh_cron``, another sends
lender webhooks that are due at those of ``lender_webhooks.sweep_cron``. Jobs do not survive a
restart: the schedulers find what is due again, and pulls resume from checkpoints.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import stamina
import structlog
from croniter import croniter

from app.context import AppContext
from app.jobs import tasks
from app.lender_webhooks import tasks as lender_webhook_tasks
from app.sync.service import SyncBusy, SyncOutcome, SyncRetryLater

log = structlog.get_logger(__name__)
T = TypeVar("T")


class InProcessQueue:
    def __init__(self, context: AppContext):
        self._context = context
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued: set[str] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._webhook_sweeper: asyncio.Task[None] | None = None
        self._webhooks_waiting = False

    async def start(self) -> None:
        if self._context.settings.jobs.schedule:
            loop = asyncio.get_running_loop()
            self._scheduler = loop.create_task(self._schedule())
            self._webhook_sweeper = loop.create_task(self._sweep_webhooks())

    def _spawn(self, work: Coroutine[Any, Any, Any], what: str, **about: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                # A background task has no caller to raise to: record it and keep serving.
                log.exception("job_failed", job=what, **about)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def enqueue_sync(self, connection_id: str, *, full: bool = False) -> None:
        if connection_id in self._queued:
            return  # one more pull is already waiting for the lock: it will see fresh data
        self._queued.add(connection_id)
        self._spawn(
            self._retrying(lambda: self._sync_and_score(connection_id, full=full)),
            "sync",
            connection_id=connection_id,
        )

    async def enqueue_rescore(self, borrower_id: str) -> None:
        self._spawn(self.rescore(borrower_id), "rescore", borrower_id=borrower_id)

    async def enqueue_delete_connections(
        self, connection_ids: Iterable[str], rescore: Iterable[str]
    ) -> None:
        self._spawn(self._delete(list(connection_ids), list(rescore)), "delete_connections")

    async def enqueue_lender_webhooks(self) -> None:
        if self._webhooks_waiting:
            return  # a run is already waiting: it sends everything due when it starts
        self._webhooks_waiting = True

        async def run() -> None:
            async with self._locks["lender_webhooks"]:
                self._webhooks_waiting = False
                await lender_webhook_tasks.deliver_webhooks(self._context)

        self._spawn(run(), "deliver_webhooks")

    async def _sweep_webhooks(self) -> None:
        """Deliveries due by the clock (retries, and any a crash left behind)."""
        ticks = croniter(self._context.settings.lender_webhooks.sweep_cron, datetime.now(UTC))
        while True:
            await asyncio.sleep(max(0.0, ticks.get_next(float) - datetime.now(UTC).timestamp()))
            await self.enqueue_lender_webhooks()

    async def sync_and_score(self, connection_id: str, *, full: bool = False) -> SyncOutcome:
        self._queued.add(connection_id)
        return await self._sync_and_score(connection_id, full=full)

    async def rescore(self, borrower_id: str) -> None:
        await tasks.rescore(self._context, borrower_id)

    async def _sync_and_score(self, connection_id: str, *, full: bool) -> SyncOutcome:
        async with self._locks[connection_id]:
            self._queued.discard(connection_id)
            return await tasks.sync_and_score(self._context, connection_id, full=full)

    async def _retrying(self, job: Callable[[], Awaitable[T]]) -> T:
        settings = self._context.settings.jobs
        async for attempt in stamina.retry_context(
            on=(SyncRetryLater, SyncBusy),
            attempts=settings.max_attempts,
            timeout=None,
            wait_initial=settings.retry_wait_s,
            wait_max=max(settings.retry_wait_s * 32, 1),
            wait_jitter=settings.retry_wait_s,
        ):
            with attempt:
                return await job()
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    async def _delete(self, connection_ids: list[str], rescore: list[str]) -> None:
        for connection_id in connection_ids:
            async with self._locks[connection_id]:
                await tasks.delete_connections(self._context, [connection_id], [])
        for borrower_id in rescore:
            await self.rescore(borrower_id)

    async def refresh_due(self) -> list[str]:
        """Queue a pull for every connection that is due; the ids queued."""
        due = await tasks.due_for_refresh(self._context)
        for connection_id in due:
            await self.enqueue_sync(connection_id)
        return due

    async def _schedule(self) -> None:
        ticks = croniter(self._context.settings.jobs.refresh_cron, datetime.now(UTC))
        while True:
            delay = ticks.get_next(float) - datetime.now(UTC).timestamp()
            await asyncio.sleep(max(0.0, delay))
            try:
                queued = await self.refresh_due()
            except Exception:
                log.exception("refresh_schedule_failed")
            else:
                log.info("refresh_scheduled", connections=len(queued))

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        schedulers = [t for t in (self._scheduler, self._webhook_sweeper) if t is not None]
        for scheduler in schedulers:
            scheduler.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self.drain()
        await asyncio.gather(*schedulers, return_exceptions=True)
