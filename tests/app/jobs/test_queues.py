"""The job queues, on SQLite (in-process) and PostgreSQL (procrastinate): transient failures are
retried with backoff, permanent ones are not, requests for one connection are coalesced, and the
refresh finds the connections that are due."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update

from app.config import JobSettings, PlatformRetrySettings
from app.db import transaction
from app.jobs import tasks
from app.jobs.durable import DurableQueue, build_app
from app.jobs.in_process import InProcessQueue
from app.models import BusinessConnection, SyncRun
from tests.harness import Harness, running_service


class FlakyPlatform(httpx.AsyncBaseTransport):
    """Answers the first ``failures`` data-API calls with 503, then passes everything through."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.failures = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures > 0 and "/api/" in request.url.path and "/token" not in request.url.path:
            self.failures -= 1
            return httpx.Response(503, json={"code": 50000, "message": "unavailable"})
        return await self.inner.handle_async_request(request)


@pytest.fixture
def flaky() -> list[FlakyPlatform]:
    return []


@pytest.fixture
async def harness(
    database_url: str, tmp_path: Path, flaky: list[FlakyPlatform]
) -> AsyncIterator[Harness]:
    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        flaky.append(FlakyPlatform(inner))
        return flaky[0]

    async with running_service(
        database_url,
        tmp_path,
        wrap_platform=wrap,
        jobs=JobSettings(schedule=False, max_attempts=3, retry_wait_s=0),
        platform_retries=PlatformRetrySettings(attempts=1, wait_initial_s=0, wait_jitter_s=0),
    ) as running:
        yield running


async def runs(harness: Harness, connection_id: str) -> list[tuple[str, str | None]]:
    async with transaction(harness.context.sessions) as session:
        rows = await session.execute(
            select(SyncRun.status, SyncRun.error)
            .where(SyncRun.connection_id == connection_id)
            .order_by(SyncRun.started_at)
        )
        return [(status, error) for status, error in rows]


async def test_a_transient_failure_is_retried_and_the_pull_completes(
    harness: Harness, flaky: list[FlakyPlatform]
) -> None:
    connection_id = await harness.connected("steady_us", "steady_us")
    flaky[0].failures = 1  # the next pull's first page fails once, beyond the connector's retry

    await harness.context.jobs.enqueue_sync(connection_id, full=True)
    await harness.context.jobs.drain()

    attempts = (await runs(harness, connection_id))[1:]
    assert [status for status, _ in attempts] == ["failed", "complete"]
    assert "will retry" in (attempts[0][1] or "")
    async with transaction(harness.context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        assert connection is not None
        assert (connection.status, connection.sync_state) == ("active", "complete")
        assert connection.sync_lease_owner is None


async def test_transient_failures_stop_after_the_last_attempt(
    harness: Harness, flaky: list[FlakyPlatform]
) -> None:
    connection_id = await harness.connected("steady_us", "steady_us")
    flaky[0].failures = 10**6

    await harness.context.jobs.enqueue_sync(connection_id)
    await harness.context.jobs.drain()

    attempts = (await runs(harness, connection_id))[1:]
    assert [status for status, _ in attempts] == ["failed"] * 3  # max_attempts, then no more
    async with transaction(harness.context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        assert connection is not None
        # the platform's outage is not the seller's problem: the connection stays active
        assert (connection.status, connection.sync_state) == ("active", "failed")


async def test_a_permanent_failure_is_not_retried(harness: Harness) -> None:
    connection_id = await harness.connected("steady_us", "steady_us")
    revoked = await harness.platform.post(
        "/_sandbox/tiktok_shop/revoke", json={"persona": "steady_us"}
    )
    revoked.raise_for_status()

    await harness.context.jobs.enqueue_sync(connection_id)
    await harness.context.jobs.drain()

    attempts = (await runs(harness, connection_id))[1:]
    assert [status for status, _ in attempts] == ["failed"]
    async with transaction(harness.context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        assert connection is not None and connection.status == "needs_reauth"


async def test_requests_for_one_connection_are_coalesced(harness: Harness) -> None:
    connection_id = await harness.connected("steady_us", "steady_us")
    before = len(await runs(harness, connection_id))
    for _ in range(5):
        await harness.context.jobs.enqueue_sync(connection_id)
    if isinstance(harness.context.jobs, DurableQueue):
        async with transaction(harness.context.sessions) as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE task_name = 'sync_connection' AND status = 'todo'"
                )
            )
        assert waiting == 1
    await harness.context.jobs.drain()
    # in-process, the first request may already be running when the others arrive: at most
    # one more pull is queued behind it
    assert 1 <= len(await runs(harness, connection_id)) - before <= 2


async def test_the_refresh_queues_what_is_due_and_only_that(harness: Harness) -> None:
    fresh = await harness.connected("steady_us", "steady_us")
    stale = await harness.connected("growing_us", "growing_us")
    hours = harness.context.settings.jobs.refresh_every_hours
    async with transaction(harness.context.sessions) as session:
        await session.execute(
            update(BusinessConnection)
            .where(BusinessConnection.id == stale)
            .values(last_synced_at=harness.context.clock() - timedelta(hours=hours + 1))
        )

    assert await tasks.due_for_refresh(harness.context) == [stale]
    for connection_id in await tasks.due_for_refresh(harness.context):
        await harness.context.jobs.enqueue_sync(connection_id)
    await harness.context.jobs.drain()

    assert await tasks.due_for_refresh(harness.context) == []
    async with transaction(harness.context.sessions) as session:
        counts = dict(
            (
                await session.execute(
                    select(SyncRun.connection_id, func.count()).group_by(SyncRun.connection_id)
                )
            ).all()
        )
    assert counts == {fresh: 1, stale: 2}


async def test_the_scheduled_task_refreshes_what_is_due(harness: Harness) -> None:
    stale = await harness.connected("growing_us", "growing_us")
    hours = harness.context.settings.jobs.refresh_every_hours
    async with transaction(harness.context.sessions) as session:
        await session.execute(
            update(BusinessConnection)
            .where(BusinessConnection.id == stale)
            .values(last_synced_at=harness.context.clock() - timedelta(hours=hours + 1))
        )
    jobs = harness.context.jobs
    if isinstance(jobs, DurableQueue):
        # what a worker's periodic deferrer does at each tick of the cron
        await jobs.app.configure_task("refresh_due").defer_async(timestamp=0)
    else:
        assert isinstance(jobs, InProcessQueue)
        assert await jobs.refresh_due() == [stale]
    await jobs.drain()

    assert await tasks.due_for_refresh(harness.context) == []
    assert [status for status, _ in await runs(harness, stale)] == ["complete", "complete"]


def test_workers_schedule_the_refresh_on_the_configured_cron(database_url: str) -> None:
    from app.config import Settings

    settings = Settings(database_url=database_url, jobs=JobSettings(refresh_cron="0 */6 * * *"))
    app = build_app(settings.jobs, settings.resolved_database_url, schedule=True)
    (periodic,) = app.periodic_registry.periodic_tasks.values()
    assert (periodic.task.name, periodic.cron) == ("refresh_due", "0 */6 * * *")
    unscheduled = build_app(settings.jobs, settings.resolved_database_url, schedule=False)
    assert unscheduled.periodic_registry.periodic_tasks == {}
