"""The sync lease: one pull per connection across processes; a dead holder's lease expires."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.config import JobSettings
from app.db import transaction
from app.models import BusinessConnection
from app.sync import lease
from app.sync.service import SyncBusy, pull_connection
from tests.harness import Harness, running_service

TTL = timedelta(minutes=5)


@pytest.fixture
async def harness(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_service(database_url, tmp_path, jobs=JobSettings(schedule=False)) as h:
        yield h


async def hold(harness: Harness, connection_id: str, owner: str, ttl: timedelta = TTL) -> bool:
    async with transaction(harness.context.sessions) as session:
        return await lease.acquire(session, connection_id, owner, ttl)


async def test_a_second_pull_waits_for_the_holder(harness: Harness) -> None:
    connection_id = await harness.connected("lease", "steady_us")
    assert await hold(harness, connection_id, "other-process")
    assert not await hold(harness, connection_id, "third-process")

    with pytest.raises(SyncBusy):
        await pull_connection(harness.context, connection_id)

    async with transaction(harness.context.sessions) as session:
        await lease.release(session, connection_id, "other-process")
    outcome = await pull_connection(harness.context, connection_id)
    assert outcome.status == "complete"


async def test_a_dead_holders_lease_expires_and_it_cannot_write_after(harness: Harness) -> None:
    connection_id = await harness.connected("lease", "steady_us")
    assert await hold(harness, connection_id, "dead-process")
    async with transaction(harness.context.sessions) as session:
        await session.execute(
            update(BusinessConnection)
            .where(BusinessConnection.id == connection_id)
            .values(sync_lease_until=lease.wall_clock() - timedelta(seconds=1))
        )

    outcome = await pull_connection(harness.context, connection_id)  # takes the lease over
    assert outcome.status == "complete"
    assert await hold(harness, connection_id, "next-process")
    with pytest.raises(lease.LeaseLost):
        async with transaction(harness.context.sessions) as session:
            await lease.renew(session, connection_id, "dead-process", TTL)


async def test_the_holder_renews_and_releases(harness: Harness) -> None:
    connection_id = await harness.connected("lease", "steady_us")
    assert await hold(harness, connection_id, "me")
    assert await hold(harness, connection_id, "me")  # taking it again is renewing it
    async with transaction(harness.context.sessions) as session:
        await lease.renew(session, connection_id, "me", TTL)
        await lease.release(session, connection_id, "someone-else")  # not theirs: no effect
    assert not await hold(harness, connection_id, "someone-else")
    async with transaction(harness.context.sessions) as session:
        await lease.release(session, connection_id, "me")
    assert await hold(harness, connection_id, "someone-else")


async def test_a_commit_cancelled_half_way_finishes_and_leaves_the_database_writable(
    harness: Harness,
) -> None:
    # Streams are pulled side by side; when one fails the others are cancelled, possibly inside
    # a commit. The commit must finish (its page is complete) and release the database.
    import asyncio

    from app.sync.service import _Pull
    from connectors.core.cancellation import finished_even_if_cancelled

    connection_id = await harness.connected("cancelled", "steady_us")
    assert await hold(harness, connection_id, "puller")
    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection_id)
        assert row is not None
        borrower_id = row.borrower_id
    pull = _Pull(harness.context, connection_id, borrower_id, "run", "puller", TTL)

    page = pull._commit("orders", [], [], {"page": 7}, pages=7)
    commit = asyncio.create_task(finished_even_if_cancelled(page))
    await asyncio.sleep(0)  # the commit has begun and waits on the database
    commit.cancel()
    with pytest.raises(asyncio.CancelledError):
        await commit

    async with transaction(harness.context.sessions) as session:
        row = await session.get(BusinessConnection, connection_id)
        assert row is not None
        assert row.sync_cursors["orders"]["pages"] == 7
        assert row.sync_cursors["orders"]["run"] == {"page": 7}
    async with asyncio.timeout(5):  # not the 30 s of a database left locked
        async with transaction(harness.context.sessions) as session:
            await lease.release(session, connection_id, "puller")
    assert await hold(harness, connection_id, "next-process")
