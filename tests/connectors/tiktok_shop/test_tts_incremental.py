"""Incremental sync of TikTok Shop orders and returns against the sandbox, its clock moving.

A backfill by create time followed by pulls by update time over ``[previous - lag, now)``
ends, after upserts keeping the newest version, with the rows a single backfill at the last
instant gives, provided the lag window covers the sandbox's search-index lag; a smaller window
loses changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
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

from connectors.core.http import RetryPolicy
from connectors.core.records import OrderRecord, Quarantined, ReturnRecord, ShopRecord
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient, TikTokShopConfig, exchange_code
from connectors.tiktok_shop.streams import INCREMENTAL
from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app

BASE = "http://sandbox.test"
ANCHOR = date(2025, 3, 1)
ANCHOR_TS = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
PERSONA = "high_returns"
HOUR, DAY = 3600, 86400


@dataclass
class Tts:
    http: httpx.AsyncClient
    client: TikTokShopClient
    shop: ShopRecord
    now: list[int]

    async def move(self, t: int) -> None:
        assert t >= self.now[0], "the clock only moves forward"
        self.now[0] = t

    async def backfill(self, t: int) -> list[Any]:
        start, end = at(t) - BACKFILL, at(t)
        orders = await _records(self.client.orders(self.shop, start, end))
        return orders + await _records(self.client.returns(self.shop, start, end))

    async def updates(self, start: int, end: int) -> list[Any]:
        window = (at(start), at(end))
        orders = await _records(self.client.orders(self.shop, *window, by="update_time"))
        return orders + await _records(self.client.returns(self.shop, *window, by="update_time"))

    def platform(self) -> Platform:
        return Platform(self.move, self.backfill, self.updates)


async def _records(stream: AsyncIterator[Any]) -> list[Any]:
    out = []
    async for item in stream:
        assert not isinstance(item, Quarantined), item
        if isinstance(item, OrderRecord | ReturnRecord):
            out.append(item)
    return out


@asynccontextmanager
async def tts(start: int, index_lag: int) -> AsyncIterator[Tts]:
    now = [start]
    config = SandboxConfig(seed=7, anchor=ANCHOR, clock=lambda: float(now[0]))
    app = create_sandbox_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        answer = await http.post(
            "/_sandbox/index-lag", json={"platform": "tiktok_shop", "index_lag_seconds": index_lag}
        )
        assert answer.json()["index_lag_seconds"]["tiktok_shop"] == index_lag
        apps = (await http.get("/_sandbox/apps")).json()["tiktok_shop"]
        connector = TikTokShopConfig.for_sandbox(
            BASE, app_key=apps["app_key"], app_secret=apps["app_secret"]
        )
        granted = await http.post("/_sandbox/tiktok_shop/authorize", json={"persona": PERSONA})
        tokens = await exchange_code(http, connector, granted.json()["code"])
        client = TikTokShopClient(
            connector,
            http,
            MemoryTokenStore(tokens),
            retry=RetryPolicy.immediate(2),
            clock=lambda: at(now[0]),
        )
        (shop,) = await client.authorized_shops()
        yield Tts(http, client, shop, now)


class TestIncrementalEqualsBackfill:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(**sync_plans(min_gap=60))
    async def test_lag_window_covering_index_lag(
        self, back: int, gaps: list[int], index_lag: int, spare: int, settle: bool
    ) -> None:
        times = sync_times(ANCHOR_TS, back, gaps, index_lag, settle)
        lag = index_lag + spare
        async with tts(times[0], index_lag) as box:
            result, full = await replay_and_compare(box.platform(), times, lag)
        assert result.extra == [] and result.newer == []
        assert result.unsettled(full, at(times[-1] - index_lag)) == []
        if index_lag == 0 or settle:
            assert result.missing == [] and result.stale == []

    async def test_records_change_between_syncs(self) -> None:
        """The property is not vacuous: records pulled at t0 are in another state at t1."""
        t0, t1 = ANCHOR_TS - 5 * DAY, ANCHOR_TS - 3 * DAY
        async with tts(t0, 0) as box:
            before: Rows = {}
            upsert(before, await box.backfill(t0))
            await box.move(t1)
            after: Rows = {}
            upsert(after, await box.backfill(t1))
        changed = [k for k in set(before) & set(after) if before[k] != after[k]]
        assert any(k.startswith("OrderRecord") for k in changed)
        assert any(k.startswith("ReturnRecord") for k in changed)
        assert all(after[k].updated_at > before[k].updated_at for k in changed)
        created = [k for k in set(after) - set(before) if after[k].created_at >= at(t0)]
        assert created, "no order placed between the syncs"


class TestLagWindowMatters:
    async def test_window_shorter_than_index_lag_loses_changes(self) -> None:
        index_lag = 6 * HOUR
        times = schedule(ANCHOR_TS - 4 * DAY, [3 * HOUR] * 16)
        async with tts(times[0], index_lag) as box:
            short, full = await replay_and_compare(box.platform(), times, 0)
        assert short.unsettled(full, at(times[-1] - index_lag)), "expected lost changes"
        async with tts(times[0], index_lag) as box:
            enough, full = await replay_and_compare(box.platform(), times, index_lag)
        assert enough.unsettled(full, at(times[-1] - index_lag)) == []
        assert enough.extra == [] and enough.newer == []


class TestIncrementalRules:
    def test_every_stream_the_app_pulls_has_a_rule(self) -> None:
        rules = {rule.stream: rule for rule in INCREMENTAL}
        assert set(rules) == {
            "orders_updated",
            "returns_updated",
            "statements",
            "seller_affiliate_orders",
            "creator_affiliate_orders",
        }
        assert rules["orders_updated"].cursor == "update_time"
        # no update filter: a trailing window re-reads records still settling
        assert rules["seller_affiliate_orders"].trailing > rules["statements"].trailing
        minute = timedelta(minutes=1)
        window = rules["statements"].window(at(10 * DAY), at(10 * DAY + HOUR), minute)
        assert window.start == at(10 * DAY) - minute - rules["statements"].trailing
        # behind the previous pull, not behind now: after a long gap the span still reaches
        # the records posted just before the previous pull, which kept changing after it
        late = rules["statements"].window(at(10 * DAY), at(30 * DAY), minute)
        assert late.start == at(10 * DAY) - minute - rules["statements"].trailing
        window = rules["orders_updated"].window(at(10 * DAY), at(10 * DAY + HOUR), minute)
        assert window.start == at(10 * DAY - 60) and window.end == at(10 * DAY + HOUR)
