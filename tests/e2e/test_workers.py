"""Several `creditscore worker` processes share the durable queue on PostgreSQL: every queued
pull runs exactly once, its borrower is scored, and the workers stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.config import JobSettings
from app.db import transaction
from app.models import BusinessConnection, Score, SyncRun
from tests.harness import Harness, state_of
from tests.servers import CLI, ROOT, Stack, service_on_sandbox_server

PERSONAS = ("steady_us", "growing_us", "declining_us", "high_returns")


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    async with service_on_sandbox_server(database_url, tmp_path, JobSettings(schedule=False)) as s:
        yield s


async def connect_without_pulling(harness: Harness, persona: str) -> str:
    """Auth URL → consent → callback: the callback queues the pull; nobody runs it here."""
    headers = await harness.sign_in(persona)
    state = state_of(await harness.auth_url(headers))
    landing = await harness.follow_callback(await harness.consent(persona, state), headers)
    assert landing.status_code == 303
    (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
    connection_id: str = connection["id"]
    return connection_id


def wait_until_done(sync_url: str, connection_ids: list[str], timeout_s: float = 300) -> None:
    engine = create_engine(sync_url)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                states = connection.execute(
                    select(BusinessConnection.sync_state).where(
                        BusinessConnection.id.in_(connection_ids)
                    )
                ).scalars()
                waiting = connection.scalar(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                    )
                )
            if set(states) == {"complete"} and waiting == 0:
                return
            time.sleep(0.2)
        raise AssertionError("the workers did not finish the queued pulls in time")
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_workers_share_the_queue_and_run_each_pull_once(stack: Stack) -> None:
    harness = stack.harness
    connection_ids = [await connect_without_pulling(harness, p) for p in PERSONAS]
    async with transaction(harness.context.sessions) as session:
        queued = await session.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'sync_connection'")
        )
    assert queued == len(PERSONAS)

    workers = [
        subprocess.Popen(
            [*CLI, "worker", "--concurrency", "2"],
            env=stack.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        await asyncio.to_thread(wait_until_done, stack.sync_url, connection_ids)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=60)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    async with transaction(harness.context.sessions) as session:
        runs = dict(
            (
                await session.execute(
                    select(SyncRun.connection_id, func.count())
                    .where(SyncRun.status == "complete")
                    .group_by(SyncRun.connection_id)
                )
            ).all()
        )
        scored = await session.scalar(select(func.count(func.distinct(Score.borrower_id))))
    assert runs == dict.fromkeys(connection_ids, 1)
    assert scored == len(PERSONAS)
