"""Background work of the embedded default: syncs and re-scores run as in-process asyncio tasks.

At most one pull runs per connection at a time (a lock per connection, not luck); a pull
requested while one runs is coalesced into one more pull after it. The durable, multi-worker
queue on PostgreSQL comes later behind the same `enqueue_*` calls.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import structlog

from app.context import AppContext
from app.db import transaction
from app.models import BusinessConnection
from app.scores.service import score_borrowers
from app.sync.service import SyncOutcome, pull_connection

log = structlog.get_logger(__name__)


class Jobs:
    def __init__(self, context: AppContext):
        self._context = context
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[object]] = set()
        self._queued: set[str] = set()

    def enqueue_sync(self, connection_id: str) -> None:
        """Pull the connection and re-score its borrower, without making the caller wait."""
        if connection_id in self._queued:
            return  # one more pull is already waiting for the lock: it will see fresh data
        self._queued.add(connection_id)
        task = asyncio.get_running_loop().create_task(self._sync_and_score(connection_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def sync_and_score(self, connection_id: str) -> SyncOutcome:
        """The same work in the foreground (CLI, demo, tests)."""
        self._queued.add(connection_id)
        return await self._sync_and_score(connection_id)

    async def _sync_and_score(self, connection_id: str) -> SyncOutcome:
        async with self._locks[connection_id]:
            self._queued.discard(connection_id)
            try:
                outcome = await pull_connection(self._context, connection_id)
                async with transaction(self._context.sessions) as session:
                    connection = await session.get(BusinessConnection, connection_id)
                    if connection is not None:
                        await score_borrowers(session, [connection.borrower_id])
                return outcome
            except Exception:
                # A background task has no caller to raise to: record it and keep serving.
                log.exception("sync_job_failed", connection_id=connection_id)
                raise

    async def drain(self) -> None:
        """Wait for every running job (tests, demo, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.drain()
