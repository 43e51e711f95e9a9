"""Incremental sync of Shopify orders (and their refunds) against the sandbox, its clock moving.

A backfill by ``created_at`` followed by ``orders_updated`` pulls over ``[previous - lag, now)``
ends, after upserts keeping the newest version, with the rows a single backfill at the last
instant gives, provided the lag window covers the sandbox's search-index lag.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
from connectors.core.records import OrderRecord, Quarantined, ReturnRecord
from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import ShopifyClient, ShopifyConfig, exchange_code
from connectors.shopify.streams import INCREMENTAL
from sandbox.config import SandboxConfig, ShopifyAppConfig
from sandbox.server import create_sandbox_app

BASE = "http://sandbox.test"
ANCHOR = date(2025, 3, 1)
ANCHOR_TS = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
PERSONA = "shopify_high_refunds"
HOUR, DAY = 3600, 86400
# Throttling is tested elsewhere: a bucket this large never throttles, so the clock stays put
# during a pull.
NO_THROTTLE = ShopifyAppConfig(graphql_bucket_size=1e9, graphql_restore_per_second=1e9)


@dataclass
class Shop:
    client: ShopifyClient
    now: list[int]

    async def move(self, t: int) -> None:
        assert t >= self.now[0], "the clock only moves forward"
        self.now[0] = t

    async def backfill(self, t: int) -> list[Any]:
        return await _records(self.client.orders(at(t) - BACKFILL, at(t)))

    async def updates(self, start: int, end: int) -> list[Any]:
        return await _records(self.client.orders(at(start), at(end), by="updated_at"))

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
async def shop(start: int, index_lag: int) -> AsyncIterator[Shop]:
    now = [start]
    config = SandboxConfig(
        seed=7,
        anchor=ANCHOR,
        clock=lambda: float(now[0]),
        shopify=NO_THROTTLE,
        index_lag_seconds={"shopify": index_lag},
    )
    app = create_sandbox_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        apps = (await http.get("/_sandbox/apps")).json()["shopify"]
        connector = ShopifyConfig.for_sandbox(
            BASE, client_id=apps["client_id"], client_secret=apps["client_secret"]
        )
        granted = (
            await http.post("/_sandbox/shopify/authorize", json={"persona": PERSONA, "state": "s"})
        ).json()
        domain = httpx.URL(granted["callback_url"]).params["shop"]
        tokens = await exchange_code(
            http, connector, domain, granted["code"], expiring=False, clock=lambda: at(now[0])
        )
        client = ShopifyClient(
            connector,
            http,
            domain,
            MemoryTokenStore(tokens),
            retry=RetryPolicy.immediate(2),
            clock=lambda: at(now[0]),
        )
        yield Shop(client, now)


class TestIncrementalEqualsBackfill:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(**sync_plans(min_gap=60))
    async def test_lag_window_covering_index_lag(
        self, back: int, gaps: list[int], index_lag: int, spare: int, settle: bool
    ) -> None:
        times = sync_times(ANCHOR_TS, back, gaps, index_lag, settle)
        async with shop(times[0], index_lag) as box:
            result, full = await replay_and_compare(
                box.platform(), times, index_lag + spare, by_order=True
            )
        assert result.extra == [] and result.newer == []
        assert result.unsettled(full, at(times[-1] - index_lag)) == []
        if index_lag == 0 or settle:
            assert result.missing == [] and result.stale == []

    async def test_records_change_between_syncs(self) -> None:
        """The property is not vacuous: orders pulled at t0 are in another state at t1."""
        t0, t1 = ANCHOR_TS - 6 * DAY, ANCHOR_TS - 3 * DAY
        async with shop(t0, 0) as box:
            before: Rows = {}
            upsert(before, await box.backfill(t0))
            await box.move(t1)
            after: Rows = {}
            upsert(after, await box.backfill(t1))
        changed = [k for k in set(before) & set(after) if before[k] != after[k]]
        assert any(k.startswith("OrderRecord") for k in changed)
        assert all(after[k].updated_at > before[k].updated_at for k in changed)
        refunds = [k for k in set(after) - set(before) if k.startswith("ReturnRecord")]
        assert any(after[k].created_at >= at(t0) for k in refunds), "no refund between syncs"


class TestLagWindowMatters:
    async def test_window_shorter_than_index_lag_loses_changes(self) -> None:
        index_lag = 6 * HOUR
        times = schedule(ANCHOR_TS - 4 * DAY, [3 * HOUR] * 16)
        async with shop(times[0], index_lag) as box:
            short, full = await replay_and_compare(box.platform(), times, 0, by_order=True)
        assert short.unsettled(full, at(times[-1] - index_lag)), "expected lost changes"
        async with shop(times[0], index_lag) as box:
            enough, full = await replay_and_compare(box.platform(), times, index_lag, by_order=True)
        assert enough.unsettled(full, at(times[-1] - index_lag)) == []
        assert enough.extra == [] and enough.newer == []

    def test_the_app_pulls_orders_updated_by_update_time(self) -> None:
        assert [(r.stream, r.cursor) for r in INCREMENTAL] == [("orders_updated", "update_time")]
