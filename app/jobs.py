"""Background work of the embedded default: syncs, re-scores and deletions run as in-process
asyncio tasks.

At most one pull runs per connection at a time (a lock per connection, not luck); a pull
requested while one runs is coalesced into one more pull after it. The durable, multi-worker
queue on PostgreSQL comes later behind the same `enqueue_*` calls.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Coroutine, Iterable
from typing import Any

import structlog
from sqlalchemy import delete

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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued: set[str] = set()

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

    def enqueue_sync(self, connection_id: str) -> None:
        """Pull the connection and re-score its borrower, without making the caller wait."""
        if connection_id in self._queued:
            return  # one more pull is already waiting for the lock: it will see fresh data
        self._queued.add(connection_id)
        self._spawn(self._sync_and_score(connection_id), "sync", connection_id=connection_id)

    def enqueue_rescore(self, borrower_id: str) -> None:
        """Score the borrower again from what is stored (after a disconnect or a webhook)."""
        self._spawn(self.rescore(borrower_id), "rescore", borrower_id=borrower_id)

    def enqueue_delete_connections(
        self, connection_ids: Iterable[str], rescore: Iterable[str]
    ) -> None:
        """Delete connections with their data (a shop's redaction), then re-score."""
        self._spawn(self._delete(list(connection_ids), list(rescore)), "delete_connections")

    async def sync_and_score(self, connection_id: str) -> SyncOutcome:
        """The same work in the foreground (CLI, demo, tests)."""
        self._queued.add(connection_id)
        return await self._sync_and_score(connection_id)

    async def rescore(self, borrower_id: str) -> None:
        async with transaction(self._context.sessions) as session:
            await score_borrowers(session, [borrower_id], as_of=self._context.clock())

    async def _sync_and_score(self, connection_id: str) -> SyncOutcome:
        async with self._locks[connection_id]:
            self._queued.discard(connection_id)
            outcome = await pull_connection(self._context, connection_id)
            async with transaction(self._context.sessions) as session:
                connection = await session.get(BusinessConnection, connection_id)
                borrower_id = connection.borrower_id if connection is not None else None
            if borrower_id is not None:
                await self.rescore(borrower_id)
            return outcome

    async def _delete(self, connection_ids: list[str], rescore: list[str]) -> None:
        for connection_id in connection_ids:
            async with self._locks[connection_id], transaction(self._context.sessions) as session:
                await session.execute(
                    delete(BusinessConnection).where(BusinessConnection.id == connection_id)
                )
        for borrower_id in rescore:
            await self.rescore(borrower_id)

    async def drain(self) -> None:
        """Wait for every running job (tests, demo, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.drain()
