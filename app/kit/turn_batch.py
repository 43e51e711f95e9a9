"""Calls made in the same turn of the event loop, run together as one batch.

For a call whose cost is mostly a fixed price per run (a database round trip through the driver,
say) rather than per item. A server reads many requests off its sockets in one turn of the loop;
each submits its item, and on the next turn the items submitted so far leave as one batch (or at
once, when a batch is full). No caller waits for a timer: at low load a batch holds one item and
leaves a turn later, under load batches grow by themselves. Each caller gets its own result, or
the batch's exception. This is the DataLoader's batching per tick, without its cache: every item
submitted is run, two equal ones included.

A caller cancelled before its batch leaves is dropped from it; one cancelled after is not (the
batch runs for the others, and its work is done for this caller too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["TurnBatcher"]

T = TypeVar("T")
R = TypeVar("R")


class TurnBatcher(Generic[T, R]):
    """Run ``run`` on the items submitted in one turn of the loop, at most ``max_size`` at once.

    ``run`` returns one result per item, in the items' order.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R]]], *, max_size: int) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._run = run
        self._max_size = max_size
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._departure: asyncio.Handle | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    async def submit(self, item: T) -> R:
        if self._closed:
            raise RuntimeError("the batcher is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        # A caller cancelled after its result or error was set never reads it: mark it read, so
        # asyncio does not report an exception that nobody retrieved.
        future.add_done_callback(_retrieve)
        self._waiting.append((item, future))
        if len(self._waiting) >= self._max_size:
            self._depart()
        elif self._departure is None:
            self._departure = loop.call_soon(self._depart)
        return await future

    def _depart(self) -> None:
        if self._departure is not None:
            self._departure.cancel()
            self._departure = None
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._serve(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _serve(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        live = [(item, future) for item, future in batch if not future.done()]
        if not live:
            return
        try:
            results = await self._run([item for item, _ in live])
            if len(results) != len(live):
                raise RuntimeError(f"{len(results)} results for a batch of {len(live)}")
        except asyncio.CancelledError:
            for _, future in live:
                future.cancel()
            raise
        except Exception as error:  # every caller gets the batch's error as its own
            for _, future in live:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(live, results, strict=True):
            if not future.done():
                future.set_result(result)

    @property
    def running(self) -> int:
        """Batches under way."""
        return len(self._running)

    async def aclose(self) -> None:
        """Send what is waiting, wait for every batch under way; refuse new items."""
        self._closed = True
        self._depart()
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
