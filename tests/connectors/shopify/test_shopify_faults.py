"""The Shopify connector survives every transient fault of the sandbox and stops at once on
permanent ones (``tests/connectors/core/fault_plans.py`` states the property)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from shopify_fakes import FakeClock
from test_shopify_against_sandbox import BASE, Sandbox

from connectors.core.errors import NeedsReauth
from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import ShopifyClient, ShopifyConfig
from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app
from tests.connectors.core.fault_plans import POLICY, Outcome, transient_plans

PERSONA = "shopify_steady"


class CountingApp:
    """The sandbox app, counting the Admin API requests it sees."""

    def __init__(self, app: Any) -> None:
        self.app, self.api_requests = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "/admin/api/" in scope["path"]:
            self.api_requests += 1
        await self.app(scope, receive, send)


@asynccontextmanager
async def sandbox() -> AsyncIterator[tuple[Sandbox, CountingApp]]:
    probe = SandboxConfig()
    end = datetime.combine(probe.anchor, datetime.min.time(), tzinfo=UTC)
    clock = FakeClock(end + timedelta(hours=1))
    config = SandboxConfig(anchor=probe.anchor, clock=lambda: clock().timestamp())
    app = CountingApp(create_sandbox_app(config))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        apps = (await http.get("/_sandbox/apps")).json()["shopify"]
        personas = (await http.get("/_sandbox/personas")).json()["shopify"]
        connector = ShopifyConfig.for_sandbox(
            BASE, client_id=apps["client_id"], client_secret=apps["client_secret"]
        )
        shops = {p["id"]: p["shop"] for p in personas}
        yield Sandbox(http, connector, clock, end, shops), app


async def connected(box: Sandbox, persona: str, **install: Any) -> ShopifyClient:
    tokens = await box.install(persona, **install)
    config = dataclasses.replace(box.config, page_size=25)  # more pages, more page faults
    return ShopifyClient(
        config, box.http, box.shops[persona], MemoryTokenStore(tokens),
        retry=POLICY, clock=box.clock, sleep=box.clock.sleep,
    )  # fmt: skip


async def pull_under(plan: dict[str, Any]) -> None:
    async with sandbox() as (box, _):
        client = await connected(box, PERSONA)
        await box.control("POST", "/faults", json=plan)
        outcome = await Outcome.of(client.orders(box.start, box.end))
        report = (await box.control("GET", "/faults"))["faults"]["shopify"]
        await box.control("DELETE", "/faults")
        truth = await box.truth(PERSONA)
        # test orders are dropped before mapping: corrupted or not, they never come out
        outcome.assert_survived(truth["order_ids"], report, ignored=truth["test_order_ids"])


class TestTransientFaults:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plan=transient_plans("shopify"))
    def test_orders_equal_ground_truth_minus_corrupted(self, plan: dict[str, Any]) -> None:
        asyncio.run(pull_under(plan))


class TestPermanentFaults:
    async def test_revoked_authorization_stops_at_the_first_request(self) -> None:
        async with sandbox() as (box, app):
            client = await connected(box, PERSONA)
            await box.control("POST", "/shopify/revoke", json={"persona": PERSONA})
            before = app.api_requests
            with pytest.raises(NeedsReauth):
                await Outcome.of(client.orders(box.start, box.end))
            assert app.api_requests - before == 1

    async def test_missing_scope_stops_at_the_first_request(self) -> None:
        async with sandbox() as (box, app):
            client = await connected(box, PERSONA, scopes=["read_products"])
            before = app.api_requests
            with pytest.raises(NeedsReauth, match="read_orders"):
                await Outcome.of(client.orders(box.start, box.end))
            assert app.api_requests - before == 1
