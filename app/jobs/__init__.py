"""Background work: one interface, two queues.

On PostgreSQL, jobs go to procrastinate's durable queue (`app.jobs.durable`) and any number of
`creditscore worker` processes, on any number of machines, run them; on the embedded SQLite
default the same tasks (`app.jobs.tasks`) run in-process (`app.jobs.in_process`). Either way a
sync that fails transiently is retried with exponential backoff, one that fails permanently is
not, at most one pull runs per connection at a time (a queue lock and, beneath it, the
connection's lease in the database), and every active connection is refreshed on a schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from app.context import AppContext
    from app.sync.service import SyncOutcome


class JobQueue(Protocol):
    async def start(self) -> None:
        """Open what the queue needs (connections, the scheduler, an embedded worker)."""

    async def close(self) -> None: ...

    async def enqueue_sync(self, connection_id: str, *, full: bool = False) -> None:
        """Pull the connection and re-score its borrower, without making the caller wait."""

    async def enqueue_rescore(self, borrower_id: str) -> None:
        """Score the borrower again from what is stored (after a disconnect or a webhook)."""

    async def enqueue_delete_connections(
        self, connection_ids: Iterable[str], rescore: Iterable[str]
    ) -> None:
        """Delete connections with their data (a shop's redaction), then re-score."""

    async def enqueue_lender_webhooks(self) -> None:
        """Send the lender webhook deliveries that are due (after a commit that wrote some)."""

    async def sync_and_score(self, connection_id: str, *, full: bool = False) -> SyncOutcome:
        """The same work in the foreground (CLI, demo, tests)."""

    async def rescore(self, borrower_id: str) -> None: ...

    async def drain(self) -> None:
        """Run or wait for every queued job until none is left (tests, demo, CLI)."""


def uses_durable_queue(context: AppContext) -> bool:
    backend = context.settings.jobs.backend
    if backend == "auto":
        url = make_url(context.settings.resolved_database_url)
        return url.get_backend_name() == "postgresql"
    return backend == "procrastinate"


def create_queue(context: AppContext) -> JobQueue:
    if uses_durable_queue(context):
        from app.jobs.durable import DurableQueue

        return DurableQueue(context)
    from app.jobs.in_process import InProcessQueue

    return InProcessQueue(context)
