"""The durable queue on PostgreSQL: procrastinate, run by `creditscore worker`.

Jobs are rows in procrastinate's tables (migration 0007), so they survive restarts and are shared
by every worker on every machine. Per connection, a sync job carries the lock
``connection:<id>`` (no two run at once) and the queueing lock ``sync:<id>`` (a request while one
is already waiting is coalesced into it). A sync that fails transiently (``SyncRetryLater``,
``SyncBusy``) is retried with exponential backoff up to ``jobs.max_attempts``; any other failure is
final and visible in the job's row and in the connection's last sync run. Workers also run the
periodic ``refresh_due`` task, which queues a pull for every connection that is due.

Task bodies are `app.jobs.tasks`; the worker hands them its ``AppContext`` through procrastinate's
``additional_context``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import structlog
from procrastinate import App, BaseRetryStrategy, JobContext, PsycopgConnector, RetryDecision
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from app.config import JobSettings
from app.context import AppContext
from app.jobs import tasks
from app.lender_webhooks import tasks as lender_webhook_tasks
from app.sync.service import SyncBusy, SyncOutcome, SyncRetryLater

log = structlog.get_logger(__name__)

SYNC_QUEUE = "sync"
SCORE_QUEUE = "score"
WEBHOOK_QUEUE = "lender_webhooks"
QUEUES = (SYNC_QUEUE, SCORE_QUEUE, WEBHOOK_QUEUE)


class Backoff(BaseRetryStrategy):
    """Exponential backoff for transient failures only: wait, 2 × wait, 4 × wait … (capped)."""

    def __init__(self, settings: JobSettings) -> None:
        self.max_attempts = settings.max_attempts
        self.wait_s = settings.retry_wait_s

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, SyncRetryLater | SyncBusy):
            return None
        if job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": min(self.wait_s * 2**job.attempts, 6 * 3600)})


def conninfo(database_url: str) -> str:
    """A libpq connection string for procrastinate's own pool, from the service's URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(
    context_settings: JobSettings,
    database_url: str,
    *,
    schedule: bool,
    webhook_sweep_cron: str | None = None,
) -> App:
    """A procrastinate App with our tasks; ``schedule`` adds the periodic refresh (and, given
    its cron, the sweep of due lender webhook deliveries)."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=4))
    retry = Backoff(context_settings)

    def context_of(job: JobContext) -> AppContext:
        context: AppContext = job.additional_context["context"]
        return context

    @app.task(name="sync_connection", queue=SYNC_QUEUE, pass_context=True, retry=retry)
    async def sync_connection(job: JobContext, connection_id: str, full: bool = False) -> None:
        await tasks.sync_and_score(context_of(job), connection_id, full=full)

    @app.task(name="rescore_borrower", queue=SCORE_QUEUE, pass_context=True, retry=retry)
    async def rescore_borrower(job: JobContext, borrower_id: str) -> None:
        await tasks.rescore(context_of(job), borrower_id)

    @app.task(name="delete_connections", queue=SYNC_QUEUE, pass_context=True)
    async def delete_connections(
        job: JobContext, connection_ids: list[str], rescore_ids: list[str]
    ) -> None:
        await tasks.delete_connections(context_of(job), connection_ids, rescore_ids)

    @app.task(name="refresh_due", queue=SYNC_QUEUE, pass_context=True, queueing_lock="refresh")
    async def refresh_due(job: JobContext, timestamp: int = 0) -> None:
        context = context_of(job)
        due = await tasks.due_for_refresh(context)
        for connection_id in due:
            await defer_sync(app, connection_id)
        log.info("refresh_scheduled", connections=len(due))

    @app.task(
        name="deliver_webhooks",
        queue=WEBHOOK_QUEUE,
        pass_context=True,
        queueing_lock="deliver_webhooks",
    )
    async def deliver_webhooks(job: JobContext, timestamp: int = 0) -> None:
        await lender_webhook_tasks.deliver_webhooks(context_of(job))

    if schedule:
        app.periodic(cron=context_settings.refresh_cron, periodic_id="refresh")(refresh_due)
        if webhook_sweep_cron:
            app.periodic(cron=webhook_sweep_cron, periodic_id="lender_webhooks")(deliver_webhooks)
    return app


async def defer_sync(app: App, connection_id: str, *, full: bool = False) -> None:
    # A pull of this connection already waiting (AlreadyEnqueued) will see fresh data.
    with contextlib.suppress(AlreadyEnqueued):
        await app.configure_task(
            "sync_connection",
            lock=f"connection:{connection_id}",
            queueing_lock=f"sync:{connection_id}",
        ).defer_async(connection_id=connection_id, full=full)


class DurableQueue:
    """The service's side of the queue: defers jobs; `drain` runs a worker until none is left."""

    def __init__(self, context: AppContext, *, schedule: bool = False) -> None:
        self._context = context
        settings = context.settings
        self.app = build_app(
            settings.jobs,
            settings.resolved_database_url,
            schedule=schedule,
            webhook_sweep_cron=settings.lender_webhooks.sweep_cron,
        )
        self._opened = False

    async def start(self) -> None:
        await self.app.open_async()
        self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.app.close_async()
            self._opened = False

    async def enqueue_sync(self, connection_id: str, *, full: bool = False) -> None:
        await defer_sync(self.app, connection_id, full=full)

    async def enqueue_rescore(self, borrower_id: str) -> None:
        await self.app.configure_task("rescore_borrower").defer_async(borrower_id=borrower_id)

    async def enqueue_delete_connections(
        self, connection_ids: Iterable[str], rescore: Iterable[str]
    ) -> None:
        await self.app.configure_task("delete_connections").defer_async(
            connection_ids=list(connection_ids), rescore_ids=list(rescore)
        )

    async def enqueue_lender_webhooks(self) -> None:
        # One waiting job is enough: it sends everything due when it runs.
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task("deliver_webhooks").defer_async()

    async def sync_and_score(self, connection_id: str, *, full: bool = False) -> SyncOutcome:
        return await tasks.sync_and_score(self._context, connection_id, full=full)

    async def rescore(self, borrower_id: str) -> None:
        await tasks.rescore(self._context, borrower_id)

    async def drain(self) -> None:
        """Run jobs here until none is ready (jobs retried later stay queued for a worker).

        A worker that finds the queue empty stops even while a job it runs is being retried,
        so it is started again until the queue has nothing ready."""
        while await self._ready_jobs():
            await self.run_worker(wait=False)

    async def _ready_jobs(self) -> int:
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS ready FROM procrastinate_jobs WHERE status = 'todo' "
            "AND (scheduled_at IS NULL OR scheduled_at <= now())"
        )
        return int(row["ready"])

    async def run_worker(self, *, wait: bool = True, **options: Any) -> None:
        """Run jobs with this process's context; ``wait=False`` stops when the queue is empty."""
        await self.app.run_worker_async(
            queues=list(QUEUES),
            concurrency=self._context.settings.jobs.worker_concurrency,
            wait=wait,
            additional_context={"context": self._context},
            install_signal_handlers=wait,
            listen_notify=wait,
            delete_jobs="successful",
            **options,
        )
