"""Calls made in one turn of the event loop run as one batch; each caller gets its own answer."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.kit.turn_batch import TurnBatcher


class Recorder:
    """A batch function that records its batches and answers each item doubled."""

    def __init__(self, fail_on: int | None = None, gate: asyncio.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.gate = gate

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_on in items:
            raise ValueError(f"batch with {self.fail_on}")
        return [2 * item for item in items]


async def test_calls_of_one_turn_leave_as_one_batch() -> None:
    run = Recorder()
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=10)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert run.batches == [[0, 1, 2, 3, 4]]


async def test_a_lone_call_leaves_on_the_next_turn() -> None:
    run = Recorder()
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=10)
    assert await batcher.submit(7) == 14
    assert await batcher.submit(8) == 16
    assert run.batches == [[7], [8]]


async def test_a_full_batch_leaves_at_once() -> None:
    run = Recorder()
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=2)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert run.batches == [[0, 1], [2, 3], [4]]


async def test_a_failing_batch_fails_its_callers_only() -> None:
    run = Recorder(fail_on=1)
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=2)
    answers = await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)
    assert [type(a).__name__ for a in answers[:2]] == ["ValueError", "ValueError"]
    assert answers[2:] == [4, 6]


async def test_a_wrong_number_of_results_is_an_error_for_every_caller() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    batcher: TurnBatcher[int, int] = TurnBatcher(short, max_size=10)
    answers = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert all(
        isinstance(a, RuntimeError) and "1 results for a batch of 2" in str(a) for a in answers
    )


async def test_a_caller_cancelled_before_departure_is_left_out() -> None:
    run = Recorder()
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=10)
    kept = asyncio.ensure_future(batcher.submit(1))
    dropped = asyncio.ensure_future(batcher.submit(2))
    await asyncio.sleep(0)  # both have submitted; the batch leaves on the next turn
    dropped.cancel()
    assert await kept == 2
    assert dropped.cancelled()
    assert run.batches == [[1]]


async def test_a_caller_cancelled_after_departure_leaves_the_batch_running() -> None:
    gate = asyncio.Event()
    run = Recorder(gate=gate, fail_on=2)
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=10)
    first = asyncio.ensure_future(batcher.submit(1))
    second = asyncio.ensure_future(batcher.submit(2))
    while not run.batches:
        await asyncio.sleep(0)
    second.cancel()
    gate.set()
    with pytest.raises(ValueError, match="batch with 2"):
        await first
    assert second.cancelled()
    assert run.batches == [[1, 2]]


async def test_close_answers_what_is_under_way_and_refuses_more() -> None:
    gate = asyncio.Event()
    run = Recorder(gate=gate)
    batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=10)
    under_way = asyncio.ensure_future(batcher.submit(3))
    while not run.batches:
        await asyncio.sleep(0)
    closing = asyncio.ensure_future(batcher.aclose())
    await asyncio.sleep(0)
    assert not closing.done() and batcher.running == 1
    gate.set()
    await closing
    assert await under_way == 6
    with pytest.raises(RuntimeError, match="closed"):
        await batcher.submit(4)


def test_a_batch_holds_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        TurnBatcher(Recorder(), max_size=0)


@settings(max_examples=60, deadline=None)
@given(
    turns=st.lists(st.lists(st.integers(-1000, 1000), max_size=12), min_size=1, max_size=6),
    max_size=st.integers(1, 8),
)
def test_every_item_runs_once_and_answers_its_own_caller(
    turns: list[list[int]], max_size: int
) -> None:
    async def scenario() -> None:
        run = Recorder()
        batcher: TurnBatcher[int, int] = TurnBatcher(run, max_size=max_size)
        pending = []
        for turn in turns:
            pending += [asyncio.ensure_future(batcher.submit(item)) for item in turn]
            await asyncio.sleep(0)  # the next turn: what was submitted leaves
        answers = await asyncio.gather(*pending)
        items = [item for turn in turns for item in turn]
        assert answers == [2 * item for item in items]
        # Every item ran exactly once, in submission order, in batches no larger than allowed.
        assert [item for batch in run.batches for item in batch] == items
        assert all(1 <= len(batch) <= max_size for batch in run.batches)
        # A batch never mixes items submitted in different turns.
        turn_of = [t for t, turn in enumerate(turns) for _ in turn]
        start = 0
        for batch in run.batches:
            assert len(set(turn_of[start : start + len(batch)])) == 1
            start += len(batch)

    asyncio.run(scenario())
