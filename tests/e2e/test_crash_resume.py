"""A pull killed with SIGKILL at random points and started again ends with exactly the data of a
pull that was never interrupted: nothing lost, nothing doubled.

Real processes on loopback: the sandbox serves on 127.0.0.1 (with a little latency so a pull
takes long enough to be cut), `creditscore sync <connection>` runs as a subprocess and is killed
at a random moment after it has taken the connection's lease, then started again, until one run
completes. The reference is an uninterrupted pull of the same connection by the service itself.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from app.config import JobSettings
from app.db import transaction
from app.models import (
    BusinessConnection,
)
from tests.e2e.pulls import facts, forget_pulls
from tests.servers import CLI, ROOT, Stack, service_on_sandbox_server

LEASE_S = 5
KILLS = 3


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    jobs = JobSettings(schedule=False, sync_lease_seconds=LEASE_S)
    async with service_on_sandbox_server(database_url, tmp_path, jobs) as running:
        yield running


def wait_for_lease(sync_url: str, connection_id: str, process: subprocess.Popen[bytes]) -> bool:
    """True once the subprocess holds the connection's lease; False if it ended first."""
    engine = create_engine(sync_url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as connection:
                owner = connection.scalar(
                    select(BusinessConnection.sync_lease_owner).where(
                        BusinessConnection.id == connection_id
                    )
                )
            if owner is not None and owner.split(":")[1] == str(process.pid):
                return True
            time.sleep(0.05)
        return False
    finally:
        engine.dispose()


def cut_short(stack: Stack, connection_id: str, rng: random.Random) -> tuple[int, bool]:
    """Run one `creditscore sync`, killing it at a random moment once it pulls; (exit, killed)."""
    process = subprocess.Popen(
        [*CLI, "sync", connection_id],
        env=stack.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if wait_for_lease(stack.sync_url, connection_id, process):
            time.sleep(rng.uniform(0.0, 1.5))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                time.sleep(LEASE_S + 0.5)  # the dead holder's lease runs out
                return process.returncode, True
        return process.wait(timeout=300), False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def finish(stack: Stack, connection_id: str) -> int:
    """Run `creditscore sync` to its end, waiting out a dead holder's lease (bounded)."""
    deadline = time.monotonic() + 6 * LEASE_S + 300
    while True:
        done = subprocess.run(
            [*CLI, "sync", connection_id],
            env=stack.env,
            cwd=ROOT,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if done.returncode == 0 or b"busy" not in done.stdout or time.monotonic() > deadline:
            return done.returncode
        time.sleep(1)


# Every platform on SQLite, TikTok Shop on PostgreSQL too (the lease and cursors are shared
# code; PostgreSQL adds its own locking and transactions).
CASES = [
    ("steady_us", "sqlite"),
    ("steady_us", "postgres"),
    ("shopify_steady", "sqlite"),
    ("amazon_us", "sqlite"),
]


@pytest.mark.parametrize(("persona", "database_url"), CASES, indirect=["database_url"])
async def test_sigkilled_pull_resumes_to_identical_data(
    stack: Stack, persona: str, database_url: str
) -> None:
    harness = stack.harness
    connection_id = await harness.connected("crash", persona)  # an uninterrupted pull
    reference = await facts(harness, connection_id)
    assert sum(len(rows) for rows in reference.values()) > 100

    await forget_pulls(harness, connection_id)
    platform = persona.split("_")[0] if persona.startswith(("shopify", "amazon")) else "tiktok_shop"
    slow = await harness.platform.post(
        "/_sandbox/faults", json={"platform": platform, "latency_ms": 40}
    )
    slow.raise_for_status()
    if platform == "amazon":
        # Amazon's documented refill rates (one getOrders call a minute after the burst) would
        # make every restarted run wait minutes: the sandbox runs its clock for them faster.
        fast = await harness.platform.post("/_sandbox/amazon/settings", json={"time_scale": 600})
        fast.raise_for_status()
    rng = random.Random(f"{persona}:{database_url.split(':')[0]}")
    kills = 0
    for _ in range(KILLS):
        _, killed = await asyncio.to_thread(cut_short, stack, connection_id, rng)
        kills += killed
    assert kills >= 1, "no run was killed mid-pull: the test proved nothing"
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection_id)
        assert row is not None
        partial = row.sync_cursors
    assert partial, "the killed runs committed no checkpoint"

    assert await asyncio.to_thread(finish, stack, connection_id) == 0

    resumed = await facts(harness, connection_id)
    # The runs ended seconds after the reference: compare what both windows surely cover.
    edge = harness.context.clock() - timedelta(days=89)

    def inside(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if _when(r) is None or _when(r) >= edge]

    for table, rows in reference.items():
        assert inside(resumed[table]) == inside(rows), table
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection_id)
        assert row is not None
        assert row.sync_state == "complete" and row.sync_lease_owner is None
        assert all(cursor["run"] is None for cursor in row.sync_cursors.values())


def _when(row: dict[str, Any]) -> Any:
    for key in ("created_at", "statement_time"):
        if row.get(key) is not None:
            return row[key]
    return None
