"""What `creditscore worker` and `creditscore sync` do, behind their command-line wrappers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from app.config import Settings
from app.context import AppContext
from app.db import transaction
from app.jobs import tasks
from app.jobs.durable import DurableQueue
from app.jobs.in_process import InProcessQueue
from app.models import BusinessConnection, ConnectionStatus
from app.runtime import freeze_startup_heap, open_context
from app.sync.service import SyncBusy, SyncOutcome, SyncRetryLater


async def run_worker(settings: Settings) -> None:
    """Run jobs from the durable queue until stopped (SIGINT/SIGTERM finish the current jobs)."""
    made: list[DurableQueue] = []

    def scheduling_queue(context: AppContext) -> DurableQueue:
        made.append(DurableQueue(context, schedule=settings.jobs.schedule))
        return made[0]

    async with open_context(settings, queue=scheduling_queue):
        freeze_startup_heap()
        await made[0].run_worker()


@dataclass(frozen=True)
class SyncResult:
    connection_id: str
    status: str
    detail: str = ""


async def sync_now(
    settings: Settings,
    connection_ids: list[str] | None,
    *,
    due_only: bool,
    full: bool,
    progress: Callable[[], Progress] | None = None,
) -> list[SyncResult]:
    """Pull connections in the foreground, one after another, and score their borrowers.

    ``connection_ids`` None means every active connection (or only those due, ``due_only``)."""
    results: list[SyncResult] = []
    no_schedule = settings.model_copy(
        update={"jobs": settings.jobs.model_copy(update={"schedule": False})}
    )
    async with open_context(no_schedule, queue=InProcessQueue) as context:
        freeze_startup_heap()
        if connection_ids is None:
            if due_only:
                connection_ids = await tasks.due_for_refresh(context)
            else:
                async with transaction(context.sessions) as session:
                    connection_ids = list(
                        await session.scalars(
                            select(BusinessConnection.id)
                            .where(BusinessConnection.status == ConnectionStatus.ACTIVE.value)
                            .order_by(BusinessConnection.created_at)
                        )
                    )
        if not connection_ids:
            return results
        bar = (progress or _progress)()
        with bar:
            task = bar.add_task("syncing", total=len(connection_ids))
            for connection_id in connection_ids:
                bar.update(task, description=f"syncing {connection_id[:8]}")
                try:
                    outcome = await context.jobs.sync_and_score(connection_id, full=full)
                except SyncBusy:
                    results.append(SyncResult(connection_id, "busy", "another pull holds it"))
                except SyncRetryLater as exc:
                    results.append(SyncResult(connection_id, "failed", str(exc)))
                else:
                    results.append(_result(connection_id, outcome))
                bar.advance(task)
    return results


def _result(connection_id: str, outcome: SyncOutcome) -> SyncResult:
    if outcome.status == "skipped:missing":
        return SyncResult(connection_id, "skipped", "no such connection")
    if outcome.status.startswith("skipped:"):
        state = outcome.status.removeprefix("skipped:")
        return SyncResult(connection_id, "skipped", f"the connection is {state}, not active")
    return SyncResult(connection_id, outcome.status, outcome.error or "")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )
