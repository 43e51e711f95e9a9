"""Tests of connectors.core.paging and connectors.core.streams: paging, checkpoints, quarantine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.core.errors import BadRecord, Fatal
from connectors.core.paging import NextPageToken, dig
from connectors.core.records import (
    Checkpoint,
    Platform,
    Quarantined,
    ReturnRecord,
    StreamItem,
)
from connectors.core.streams import JSON, RequestSpec, Stream, Window, run_stream

WINDOW = Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC))
T0 = datetime(2024, 1, 2, tzinfo=UTC)


class Items(Stream):
    """A minimal stream over ``{"data": {"items": [...], "next": token}}``."""

    name = "items"
    method = "GET"
    path = "/items"
    records_path = ("data", "items")
    paginator = NextPageToken(param="page_token", response_path=("data", "next"))

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {"page_token": page_token} if page_token else {}
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> ReturnRecord:
        if raw.get("bad"):
            raise BadRecord("refund amount is garbage")
        return ReturnRecord(
            platform=Platform.TIKTOK_SHOP,
            shop_id="s",
            return_id=str(raw["id"]),
            order_id="o",
            return_type="REFUND",
            status="X",
            created_at=T0,
            updated_at=T0,
            currency="USD",
            refund_amount=raw["amount"],
        )


class PagedServer:
    """Serves ``ids`` in pages of ``page_size``; tokens encode the offset (with / and +)."""

    def __init__(
        self, ids: list[int], page_size: int, extra: dict[int, dict[str, Any]] | None = None
    ):
        self.ids, self.page_size, self.extra = ids, page_size, extra or {}
        self.calls: list[str | None] = []

    async def fetch(self, spec: RequestSpec) -> JSON:
        token = spec.params.get("page_token")
        self.calls.append(token)
        offset = int(token.split("/+")[1]) if token else 0
        chunk = self.ids[offset : offset + self.page_size]
        nxt = offset + self.page_size
        items = [{"id": i, "amount": i, **self.extra.get(i, {})} for i in chunk]
        return {"data": {"items": items, "next": f"t/+{nxt}" if nxt < len(self.ids) else ""}}


async def collect(
    stream: Stream, fetch: Any, state: Mapping[str, Any] | None = None
) -> list[StreamItem]:
    return [item async for item in run_stream(stream, fetch, WINDOW, state)]


class TestDig:
    def test_walks_and_stops_on_missing(self) -> None:
        assert dig({"a": {"b": 1}}, ("a", "b")) == 1
        assert dig({"a": None}, ("a", "b")) is None
        assert dig({"a": [1]}, ("a", "b")) is None


class TestWindow:
    def test_naive_rejected(self) -> None:
        with pytest.raises(ValueError):
            Window(datetime(2024, 1, 1), datetime(2024, 2, 1))  # noqa: DTZ001

    def test_end_before_start_rejected(self) -> None:
        with pytest.raises(ValueError):
            Window(WINDOW.end, WINDOW.start)


class TestRunStream:
    async def test_single_empty_page_yields_done_checkpoint(self) -> None:
        items = await collect(Items(), PagedServer([], 10).fetch)
        assert items == [
            Checkpoint("items", {"window": WINDOW.as_state(), "page_token": None, "page": 1}, True)
        ]

    async def test_absent_token_ends(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [{"id": 1, "amount": 1}]}}

        items = await collect(Items(), fetch)
        assert isinstance(items[-1], Checkpoint) and items[-1].done
        assert len(items) == 2

    async def test_checkpoint_after_each_page_carries_next_token(self) -> None:
        server = PagedServer(list(range(5)), 2)
        items = await collect(Items(), server.fetch)
        checkpoints = [i for i in items if isinstance(i, Checkpoint)]
        assert [c.state["page_token"] for c in checkpoints] == ["t/+2", "t/+4", None]
        assert [c.done for c in checkpoints] == [False, False, True]
        assert server.calls == [None, "t/+2", "t/+4"]

    async def test_one_bad_record_is_quarantined_and_others_go_through(self) -> None:
        server = PagedServer([1, 2, 3], 10, extra={2: {"bad": True, "buyer_email": "x@y.z"}})
        items = await collect(Items(), server.fetch)
        assert [i.return_id for i in items if isinstance(i, ReturnRecord)] == ["1", "3"]
        quarantined = [i for i in items if isinstance(i, Quarantined)]
        assert quarantined == [Quarantined("items", "refund amount is garbage", "2")]
        assert "x@y.z" not in repr(quarantined)

    async def test_unexpected_exception_quarantined_without_values(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [{"id": 7}, {"id": 8, "amount": 8}, "David Kong"]}}

        items = await collect(Items(), fetch)
        quarantined = [i for i in items if isinstance(i, Quarantined)]
        assert quarantined[0] == Quarantined("items", "missing field 'amount'", "7")
        assert quarantined[1].raw_id is None and "David" not in quarantined[1].reason
        assert [i.return_id for i in items if isinstance(i, ReturnRecord)] == ["8"]

    async def test_records_not_a_list_is_fatal(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": {"id": 1}}}

        with pytest.raises(Fatal):
            await collect(Items(), fetch)


class TestLoopDetection:
    async def test_same_token_twice_is_fatal(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [], "next": "again"}}

        with pytest.raises(Fatal, match="twice"):
            await collect(Items(), fetch)

    async def test_a_page_served_twice_is_followed_again(self) -> None:
        # the second request for "t/+2" gets the first page again (a stutter), then moves on
        server = PagedServer(list(range(5)), 2)
        stuttered: set[str] = set()

        async def fetch(spec: RequestSpec) -> JSON:
            token = spec.params.get("page_token")
            if token == "t/+2" and token not in stuttered:
                stuttered.add(token)
                return await server.fetch(RequestSpec(spec.method, spec.path, {}, spec.json))
            return await server.fetch(spec)

        items = await collect(Items(), fetch)
        ids = [i.return_id for i in items if isinstance(i, ReturnRecord)]
        assert ids == ["0", "1", "0", "1", "2", "3", "4"]  # duplicates, nothing lost
        assert isinstance(items[-1], Checkpoint) and items[-1].done

    async def test_a_page_that_keeps_coming_back_is_fatal(self) -> None:
        calls: list[str | None] = []

        async def fetch(spec: RequestSpec) -> JSON:
            calls.append(spec.params.get("page_token"))
            return {"data": {"items": [], "next": "stuck"}}

        with pytest.raises(Fatal, match="paging loop"):
            await collect(Items(), fetch)
        assert calls == [None, "stuck", "stuck", "stuck"]  # followed max_repeats (2) more times

    async def test_token_cycle_is_fatal(self) -> None:
        tokens = {None: "a", "a": "b", "b": "a"}

        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [], "next": tokens[spec.params.get("page_token")]}}

        with pytest.raises(Fatal, match="paging loop"):
            await collect(Items(), fetch)

    async def test_resumed_token_returned_again_is_fatal(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [], "next": "r"}}

        state = {"window": WINDOW.as_state(), "page_token": "r", "page": 3}
        with pytest.raises(Fatal):
            await collect(Items(), fetch, state)

    async def test_non_string_token_is_fatal(self) -> None:
        async def fetch(spec: RequestSpec) -> JSON:
            return {"data": {"items": [], "next": 5}}

        with pytest.raises(Fatal):
            await collect(Items(), fetch)


class TestResume:
    async def test_resume_from_checkpoint_continues_at_token(self) -> None:
        server = PagedServer(list(range(7)), 3)
        first = await collect(Items(), server.fetch)
        middle = next(i for i in first if isinstance(i, Checkpoint))
        server.calls.clear()
        rest = await collect(Items(), server.fetch, middle.state)
        assert server.calls == ["t/+3", "t/+6"]
        assert [r.return_id for r in rest if isinstance(r, ReturnRecord)] == ["3", "4", "5", "6"]
        pages = [c.state["page"] for c in rest if isinstance(c, Checkpoint)]
        assert pages == [2, 3]

    @pytest.mark.parametrize(
        "state",
        [
            {"window": {"start": 0, "end": 1}, "page_token": "t/+3", "page": 1},
            {"window": WINDOW.as_state(), "page_token": None, "page": 3},
            {"window": WINDOW.as_state(), "page_token": "t/+3", "page": 1, "done": True},
            {},
        ],
    )
    async def test_state_of_other_window_or_finished_restarts(self, state: dict[str, Any]) -> None:
        server = PagedServer(list(range(4)), 3)
        await collect(Items(), server.fetch, state)
        assert server.calls[0] is None


class TestPagingProperties:
    @settings(max_examples=60, deadline=None)
    @given(
        n=st.integers(min_value=0, max_value=60),
        page_size=st.integers(min_value=1, max_value=25),
        crash_after=st.integers(min_value=0, max_value=10),
    )
    async def test_every_record_once_and_checkpoints_monotone(
        self, n: int, page_size: int, crash_after: int
    ) -> None:
        server = PagedServer(list(range(n)), page_size)
        seen: list[str] = []
        pages: list[int] = []
        state: Mapping[str, Any] | None = None
        # run until done, "crashing" after crash_after checkpoints each time and resuming
        for _ in range(n + 2):
            since_checkpoint: list[str] = []
            checkpoints = 0
            done = False
            async for item in run_stream(Items(), server.fetch, WINDOW, state):
                if isinstance(item, ReturnRecord):
                    since_checkpoint.append(item.return_id)
                elif isinstance(item, Checkpoint):
                    seen.extend(since_checkpoint)  # committed with the checkpoint
                    since_checkpoint = []
                    pages.append(item.state["page"])
                    state, done = item.state, item.done
                    checkpoints += 1
                    if checkpoints > crash_after and not done:
                        break
            if done:
                break
        assert seen == [str(i) for i in range(n)]
        assert pages == sorted(pages) and len(set(pages)) == len(pages)
