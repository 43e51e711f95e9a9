"""Incremental sync of Amazon orders against the sandbox, its clock moving between pulls.

A backfill by ``CreatedAfter`` followed by ``orders_updated`` pulls over ``[previous - lag,
now)`` ends, after upserts keeping the newest version, with the rows a single backfill at the
last instant gives, provided the lag window covers the search-index lag and the 2 minutes the
connector keeps every window end away from the clock (Amazon refuses a later one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from amazon_fakes import amazon_reference
from hypothesis import HealthCheck, given, settings
from replay import (
    BACKFILL,
    Platform,
    Rows,
    at,
    replay_and_compare,
    schedule,
    sync_plans,
    sync_times,
    upsert,
)

from connectors.amazon_sp_api import AmazonClient, AmazonConfig, exchange_code, parse_callback
from connectors.amazon_sp_api.streams import INCREMENTAL
from connectors.core.http import RetryPolicy
from connectors.core.records import OrderRecord, Quarantined
from connectors.core.tokens import MemoryTokenStore
from sandbox.config import AmazonAppConfig, SandboxConfig
from sandbox.server import create_sandbox_app

ANCHOR = date(2025, 3, 1)
ANCHOR_TS = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
PERSONA = "amazon_us"
MARKETS = ["ATVPDKIKX0DER"]
REDIRECT = "http://127.0.0.1:8000/api/amazon/callback"
HOUR, DAY = 3600, 86400
MARGIN = 120  # the connector ends every window 2 minutes before its clock


@dataclass
class Seller:
    client: AmazonClient
    now: list[float]

    async def move(self, t: int) -> None:
        # Throttle waits move the clock a little during a pull; it never goes back.
        self.now[0] = max(self.now[0], float(t))

    async def backfill(self, t: int) -> list[Any]:
        return await _records(self.client.orders(MARKETS, at(t) - BACKFILL, at(t)))

    async def updates(self, start: int, end: int) -> list[Any]:
        return await _records(self.client.orders(MARKETS, at(start), at(end), by="updated"))

    def platform(self) -> Platform:
        return Platform(self.move, self.backfill, self.updates)


async def _records(stream: AsyncIterator[Any]) -> list[Any]:
    out = []
    async for item in stream:
        assert not isinstance(item, Quarantined), item
        if isinstance(item, OrderRecord):
            out.append(item)
    return out


@asynccontextmanager
async def seller(start: int, index_lag: int) -> AsyncIterator[Seller]:
    now = [float(start)]

    def clock() -> datetime:
        return datetime.fromtimestamp(now[0], tz=UTC)

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    config = SandboxConfig(
        seed=7,
        anchor=ANCHOR,
        clock=lambda: now[0],
        # rate limits are tested elsewhere: refill fast so waits stay far below a second
        amazon=AmazonAppConfig(time_scale=1e6, reference_dir=str(amazon_reference().parent)),
    )
    app = create_sandbox_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        answer = await http.post(
            "http://sandbox/_sandbox/index-lag",
            json={"platform": "amazon", "index_lag_seconds": index_lag},
        )
        assert answer.status_code == 200, answer.text
        granted = await http.post(
            "http://sandbox/_sandbox/amazon/authorize", json={"persona": PERSONA, "state": "s"}
        )
        callback = parse_callback(
            dict(httpx.URL(granted.json()["callback_url"]).params), expected_state="s"
        )
        connector = AmazonConfig.for_sandbox("http://sandbox")
        tokens = await exchange_code(
            http,
            connector,
            callback.code,
            REDIRECT,
            selling_partner_id=callback.selling_partner_id,
            region="NA",
            clock=clock,
        )
        client = AmazonClient(
            connector,
            http,
            callback.selling_partner_id,
            "NA",
            MemoryTokenStore(tokens),
            retry=RetryPolicy.immediate(2),
            clock=clock,
            sleep=sleep,
        )
        yield Seller(client, now)


class TestIncrementalEqualsBackfill:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(**sync_plans(min_gap=300))
    async def test_lag_window_covering_index_lag(
        self, back: int, gaps: list[int], index_lag: int, spare: int, settle: bool
    ) -> None:
        times = sync_times(ANCHOR_TS, back, gaps, index_lag, settle)
        visible = max(index_lag, MARGIN)
        async with seller(times[0], index_lag) as box:
            result, full = await replay_and_compare(
                box.platform(), times, visible + spare, margin=MARGIN
            )
        assert result.extra == [] and result.newer == []
        assert result.unsettled(full, at(times[-1] - visible)) == []
        if settle:
            assert result.missing == [] and result.stale == []

    async def test_records_change_between_syncs(self) -> None:
        """The property is not vacuous: orders pulled at t0 are in another state at t1."""
        t0, t1 = ANCHOR_TS - 3 * DAY, ANCHOR_TS - 2 * DAY
        async with seller(t0, 0) as box:
            before: Rows = {}
            upsert(before, await box.backfill(t0))
            await box.move(t1)
            after: Rows = {}
            upsert(after, await box.backfill(t1))
        changed = [k for k in set(before) & set(after) if before[k] != after[k]]
        assert changed
        assert all(after[k].updated_at > before[k].updated_at for k in changed)


class TestLagWindowMatters:
    async def test_window_shorter_than_index_lag_loses_changes(self) -> None:
        index_lag = 6 * HOUR
        times = schedule(ANCHOR_TS - 4 * DAY, [3 * HOUR] * 16)
        async with seller(times[0], index_lag) as box:
            short, full = await replay_and_compare(box.platform(), times, MARGIN, margin=MARGIN)
        assert short.unsettled(full, at(times[-1] - index_lag)), "expected lost changes"
        async with seller(times[0], index_lag) as box:
            enough, full = await replay_and_compare(box.platform(), times, index_lag, margin=MARGIN)
        assert enough.unsettled(full, at(times[-1] - index_lag)) == []
        assert enough.extra == [] and enough.newer == []

    def test_rules_of_the_streams_the_app_pulls(self) -> None:
        rules = {rule.stream: rule for rule in INCREMENTAL}
        assert rules["orders_updated"].cursor == "update_time"
        assert rules["transactions"].cursor == "posted_time"
        assert rules["transactions"].trailing.total_seconds() >= 48 * HOUR
