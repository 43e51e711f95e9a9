"""Tests of connectors.core.streams.run_sliced: a window paged as slices side by side yields
every record exactly once, the same records as one cursor, and resumes from its checkpoints."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.core.errors import Fatal
from connectors.core.paging import NextPageToken
from connectors.core.records import Checkpoint, Platform, ReturnRecord
from connectors.core.streams import (
    JSON,
    RequestSpec,
    Stream,
    Window,
    run_sliced,
    run_stream,
    split,
)
from connectors.core.timestamps import from_unix, to_unix

START = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(days=90))


class Timed(Stream):
    """Records created in the window, ``{"data": {"items": [...], "next": token}}``."""

    name = "timed"
    method = "GET"
    path = "/timed"
    records_path = ("data", "items")
    paginator = NextPageToken(param="page_token", response_path=("data", "next"))

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {"ge": str(to_unix(window.start)), "lt": str(to_unix(window.end))}
        if page_token:
            params["page_token"] = page_token
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> ReturnRecord:
        created = from_unix(raw["t"])
        return ReturnRecord(
            platform=Platform.TIKTOK_SHOP,
            shop_id="s",
            return_id=str(raw["id"]),
            order_id="o",
            return_type="REFUND",
            status="X",
            created_at=created,
            updated_at=created,
            currency="USD",
            refund_amount=raw["id"],
        )


class TimedServer:
    """Serves records with create times, filtered by ``[ge, lt)``, pages of ``page_size``;
    answers take a random few milliseconds so the slices' requests interleave."""

    def __init__(self, times: list[int], page_size: int, seed: int = 0) -> None:
        self.times, self.page_size = sorted(times), page_size
        self.rng = random.Random(seed)
        self.calls = 0
        self.fail_at: int | None = None

    async def fetch(self, spec: RequestSpec) -> JSON:
        self.calls += 1
        if self.fail_at is not None and self.calls >= self.fail_at:
            raise Fatal("the platform broke")
        await asyncio.sleep(self.rng.random() / 500)
        ge, lt = int(spec.params["ge"]), int(spec.params["lt"])
        chosen = [i for i, t in enumerate(self.times) if ge <= t < lt]
        token = spec.params.get("page_token")
        offset = int(token) if token else 0
        chunk = chosen[offset : offset + self.page_size]
        nxt = offset + self.page_size
        items = [{"id": i, "t": self.times[i]} for i in chunk]
        return {"data": {"items": items, "next": str(nxt) if nxt < len(chosen) else ""}}


async def pull_with_crashes(
    server: TimedServer, slices: int, crash_after: int
) -> tuple[list[str], list[int]]:
    """Run until done, stopping after ``crash_after`` checkpoints each time and resuming from
    the last one: the records committed (those before a checkpoint) and the checkpoints' pages."""
    committed: list[str] = []
    pages: list[int] = []
    state: Mapping[str, Any] | None = None
    for _ in range(500):
        pending: list[str] = []
        checkpoints, done = 0, False
        items = run_sliced(Timed(), server.fetch, WINDOW, state, slices=slices)
        try:
            async for item in items:
                if isinstance(item, ReturnRecord):
                    pending.append(item.return_id)
                elif isinstance(item, Checkpoint):
                    committed.extend(pending)
                    pending = []
                    pages.append(item.state["page"])
                    state, done = item.state, item.done
                    checkpoints += 1
                    if checkpoints > crash_after and not done:
                        break
        finally:
            await items.aclose()
        if done or (state is None and not committed and checkpoints == 0):
            break
    return committed, pages


class TestSplit:
    @given(slices=st.integers(min_value=1, max_value=40), seconds=st.integers(0, 10**7))
    def test_slices_cover_the_window_contiguously(self, slices: int, seconds: int) -> None:
        window = Window(START + timedelta(microseconds=250), START + timedelta(seconds=seconds))
        parts = split(window, slices)
        assert 1 <= len(parts) <= slices
        assert parts[0].start == window.start and parts[-1].end == window.end
        for left, right in itertools.pairwise(parts):
            assert left.end == right.start and left.start < left.end
            assert right.start.microsecond == 0  # inner edges are whole seconds

    def test_rejects_no_slices(self) -> None:
        with pytest.raises(ValueError):
            split(WINDOW, 0)


class TestRunSliced:
    @settings(max_examples=40, deadline=None)
    @given(
        offsets=st.lists(st.integers(min_value=0, max_value=90 * 86400 - 1), max_size=120),
        page_size=st.integers(min_value=1, max_value=15),
        slices=st.integers(min_value=2, max_value=16),
        crash_after=st.integers(min_value=0, max_value=6),
    )
    async def test_every_record_once_equal_to_one_cursor_across_crashes(
        self, offsets: list[int], page_size: int, slices: int, crash_after: int
    ) -> None:
        times = [to_unix(START) + offset for offset in offsets]
        sequential = [
            item.return_id
            async for item in run_stream(Timed(), TimedServer(times, page_size).fetch, WINDOW)
            if isinstance(item, ReturnRecord)
        ]
        committed, pages = await pull_with_crashes(
            TimedServer(times, page_size, seed=len(offsets)), slices, crash_after
        )
        assert len(committed) == len(set(committed))  # nothing committed twice
        assert sorted(committed, key=int) == sorted(sequential, key=int)
        assert sorted(sequential, key=int) == [str(i) for i in range(len(times))]
        assert pages == sorted(pages) and len(set(pages)) == len(pages)  # never backwards

    async def test_slices_are_read_side_by_side(self) -> None:
        in_flight, most = 0, 0

        async def fetch(spec: RequestSpec) -> JSON:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return {"data": {"items": [], "next": ""}}

        items = [item async for item in run_sliced(Timed(), fetch, WINDOW, slices=8)]
        assert most == 8
        assert isinstance(items[-1], Checkpoint) and items[-1].done
        assert items[-1].state["page"] == 8

    async def test_one_slice_is_plain_run_stream(self) -> None:
        server = TimedServer([to_unix(START) + 5, to_unix(START) + 7], 1)
        items = [item async for item in run_sliced(Timed(), server.fetch, WINDOW, slices=1)]
        checkpoints = [item for item in items if isinstance(item, Checkpoint)]
        assert [c.state["page"] for c in checkpoints] == [1, 2]
        assert "slices" not in checkpoints[-1].state

    async def test_a_finished_sliced_state_reads_nothing_more(self) -> None:
        server = TimedServer([to_unix(START) + 60 * i for i in range(30)], 4)
        items = [item async for item in run_sliced(Timed(), server.fetch, WINDOW, slices=3)]
        final = items[-1]
        assert isinstance(final, Checkpoint) and final.done
        calls = server.calls
        again = [i async for i in run_sliced(Timed(), server.fetch, WINDOW, final.state, slices=3)]
        assert again == [] and server.calls == calls

    async def test_a_state_of_another_split_starts_over(self) -> None:
        server = TimedServer([to_unix(START) + 86400 * i for i in range(20)], 3)
        first = [item async for item in run_sliced(Timed(), server.fetch, WINDOW, slices=4)]
        final = first[-1]
        assert isinstance(final, Checkpoint)
        records = [
            item
            async for item in run_sliced(Timed(), server.fetch, WINDOW, final.state, slices=5)
            if isinstance(item, ReturnRecord)
        ]
        assert len(records) == 20

    async def test_an_error_in_one_slice_is_raised_and_stops_the_others(self) -> None:
        server = TimedServer([to_unix(START) + 3600 * i for i in range(200)], 2)
        server.fail_at = 15
        with pytest.raises(Fatal, match="the platform broke"):
            async for _ in run_sliced(Timed(), server.fetch, WINDOW, slices=6):
                pass
        calls = server.calls
        await asyncio.sleep(0.05)
        assert server.calls == calls  # no reader goes on after the error
