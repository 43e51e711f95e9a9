"""The TikTok Shop connector survives every transient fault of the sandbox and stops at once
on permanent ones (``tests/connectors/core/fault_plans.py`` states the property)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from test_against_sandbox import BASE, Sandbox

from connectors.core.errors import NeedsReauth
from connectors.core.records import ShopRecord
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient, TikTokShopConfig
from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app
from tests.connectors.core.fault_plans import POLICY, Outcome, transient_plans

PERSONA = "growing_us"


class CountingApp:
    """The sandbox app, counting the open-API requests it sees."""

    def __init__(self, app: Any) -> None:
        self.app, self.api_requests = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/tiktok-shop/api/"):
            self.api_requests += 1
        await self.app(scope, receive, send)


@asynccontextmanager
async def sandbox() -> AsyncIterator[tuple[Sandbox, CountingApp]]:
    # the sandbox's own QPS window is not under test here: only the injected faults are
    config = SandboxConfig(rate_limit_per_second=100_000)
    app = CountingApp(create_sandbox_app(config))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        apps = (await http.get("/_sandbox/apps")).json()["tiktok_shop"]
        connector = TikTokShopConfig.for_sandbox(
            BASE,
            app_key=apps["app_key"],
            app_secret=apps["app_secret"],
            service_id=apps["service_id"],
        )
        end = datetime.combine(config.anchor, datetime.min.time(), tzinfo=UTC)
        yield Sandbox(http, connector, end), app


async def connected(
    box: Sandbox, persona: str, **kwargs: Any
) -> tuple[TikTokShopClient, ShopRecord]:
    client = await box.connect(persona, **kwargs)
    assert box.tokens is not None
    client = TikTokShopClient(client._config, box.http, MemoryTokenStore(box.tokens), retry=POLICY)
    return client, (await client.authorized_shops())[0]


async def pull_under(plan: dict[str, Any]) -> None:
    async with sandbox() as (box, _):
        client, shop = await connected(box, PERSONA, page_size=20)
        await box.control("POST", "/faults", json=plan)
        outcome = await Outcome.of(client.orders(shop, box.start, box.end))
        report = (await box.control("GET", "/faults"))["faults"]["tiktok_shop"]
        await box.control("DELETE", "/faults")
        truth = await box.truth(PERSONA)
        outcome.assert_survived(truth["order_ids"], report)


class TestTransientFaults:
    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plan=transient_plans("tiktok_shop"))
    def test_orders_equal_ground_truth_minus_corrupted(self, plan: dict[str, Any]) -> None:
        asyncio.run(pull_under(plan))

    def test_every_fault_at_once_with_heavy_corruption(self) -> None:
        plan = {
            "platform": "tiktok_shop",
            "seed": 99,
            **{f"{kind}_rate": 0.06 for kind in ("error", "rate_limit", "retry_after",
                                                  "no_retry_after", "drop", "malformed")},
            "slow_rate": 0.03,
            "slow_ms": 60_000,
            "page_repeat_rate": 0.5,
            "records_repeat_rate": 0.5,
            "corrupt_rate": 0.3,
        }  # fmt: skip
        asyncio.run(pull_under(plan))


class TestPermanentFaults:
    async def test_revoked_authorization_stops_at_the_first_request(self) -> None:
        async with sandbox() as (box, app):
            client, shop = await connected(box, PERSONA)
            await box.control("POST", "/tiktok_shop/revoke", json={"persona": PERSONA})
            before = app.api_requests
            with pytest.raises(NeedsReauth, match="revoked"):
                await Outcome.of(client.orders(shop, box.start, box.end))
            assert app.api_requests - before == 1

    async def test_missing_scope_stops_at_the_first_request(self) -> None:
        scopes = ["seller.authorization.info", "seller.order.info", "seller.shop.info"]
        async with sandbox() as (box, app):
            client, shop = await connected(box, PERSONA, scopes=scopes)
            before = app.api_requests
            with pytest.raises(NeedsReauth, match=r"missing permission seller\.finance\.info"):
                await Outcome.of(client.statements(shop, box.start, box.end))
            assert app.api_requests - before == 1
