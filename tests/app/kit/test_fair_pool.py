"""The service's connection pool serves waiting requests in arrival order and loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import AsyncAdaptedQueue, QueueCommon

from app.db import create_engine
from app.kit.fair_pool import FairAsyncQueuePool, FairQueue


@pytest.fixture
async def one_connection(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The service's engine with a pool of exactly one connection (SQLite: the pool's logic
    does not depend on the database)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0)
    assert isinstance(engine.sync_engine.pool, FairAsyncQueuePool)
    yield engine
    await engine.dispose()


async def served_in_order(engine: AsyncEngine, waiters: int) -> list[str]:
    """Who got the one connection, in order: ``waiters`` requests queued behind a holder,
    then one more arriving just as the holder returns it."""
    served: list[str] = []

    async def use(name: str) -> None:
        async with engine.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.001)

    holder = await engine.connect()
    queued = []
    for index in range(waiters):
        queued.append(asyncio.create_task(use(f"waiter {index}")))
        await asyncio.sleep(0.005)  # each is waiting before the next arrives
    await holder.close()
    late = asyncio.create_task(use("newcomer"))
    await asyncio.gather(*queued, late)
    return served


async def test_waiting_requests_are_served_first_come_first_served(
    one_connection: AsyncEngine,
) -> None:
    served = await served_in_order(one_connection, 5)
    assert served == [f"waiter {index}" for index in range(5)] + ["newcomer"]
    assert one_connection.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def served_after_a_return(queue: QueueCommon[Any]) -> list[str]:
    """A connection comes back while a request waits, and in the same turn of the event loop
    (before the woken request runs) another request asks for one: who is served first."""
    queue.put_nowait("connection")
    held = await greenlet_spawn(queue.get, True, 5)
    served: list[str] = []

    def ask(name: str) -> None:
        connection = queue.get(True, 5)
        served.append(name)
        queue.put_nowait(connection)

    waiting = asyncio.create_task(greenlet_spawn(ask, "waiting request"))
    await asyncio.sleep(0.01)

    def give_back_then_ask() -> None:
        queue.put_nowait(held)
        ask("newcomer")

    await greenlet_spawn(give_back_then_ask)
    await waiting
    return served


async def test_a_returned_connection_goes_to_the_request_waiting_longest() -> None:
    assert await served_after_a_return(FairQueue(1)) == ["waiting request", "newcomer"]


async def test_sqlalchemys_own_queue_lets_a_newcomer_take_it() -> None:
    # Why the pool's queue is replaced: the woken request finds the connection gone and queues
    # again at the back.
    assert await served_after_a_return(AsyncAdaptedQueue(1)) == ["newcomer", "waiting request"]


async def test_a_wait_that_times_out_loses_no_connection(tmp_path: Path) -> None:
    engine = create_engine(
        f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.05
    )
    try:
        holder = await engine.connect()
        with pytest.raises(exc.TimeoutError):
            await engine.connect()
        await holder.close()
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
        assert engine.sync_engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def checkout(engine: AsyncEngine) -> AsyncConnection:
    return await engine.connect()


async def test_a_cancelled_wait_passes_the_connection_on(one_connection: AsyncEngine) -> None:
    holder = await one_connection.connect()
    cancelled = asyncio.create_task(checkout(one_connection))
    await asyncio.sleep(0.01)
    after = asyncio.create_task(checkout(one_connection))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    await holder.close()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    connection = await asyncio.wait_for(after, 5)
    assert await connection.scalar(text("SELECT 1")) == 1
    await connection.close()
    assert one_connection.sync_engine.pool.checkedin() == 1  # type: ignore[attr-defined]


async def test_a_connection_handed_to_a_request_cancelled_meanwhile_is_not_lost() -> None:
    # Handed over and cancelled in the same turn of the loop, before the request runs: it
    # either takes the connection anyway (the cancellation arrives too late, as asyncio.wait_for
    # decides on Python 3.11) or passes it on to the next in line; it is never dropped.
    queue: FairQueue[str] = FairQueue(1)
    queue.put_nowait("connection")
    held = await greenlet_spawn(queue.get, True, 5)
    first = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)
    queue.put_nowait(held)
    first.cancel()
    (outcome,) = await asyncio.gather(first, return_exceptions=True)
    if outcome == "connection":
        queue.put_nowait(outcome)
    else:
        assert isinstance(outcome, asyncio.CancelledError)
    assert await asyncio.wait_for(second, 5) == "connection"
    assert queue.qsize() == 0 and not queue._waiting
