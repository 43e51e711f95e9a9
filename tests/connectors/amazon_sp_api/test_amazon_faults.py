"""The Amazon connector survives every transient fault of the sandbox and stops at once on
permanent ones (``tests/connectors/core/fault_plans.py`` states the property)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from amazon_fakes import amazon_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_amazon_against_sandbox import (
    ANCHOR,
    ANCHOR_AT,
    REDIRECT,
    START,
    Sandbox,
    VirtualTime,
)

from connectors.amazon_sp_api import AmazonClient, AmazonConfig, exchange_code, parse_callback
from connectors.core.errors import NeedsReauth
from connectors.core.tokens import MemoryTokenStore
from sandbox.config import AmazonAppConfig, SandboxConfig
from sandbox.server import create_sandbox_app
from tests.connectors.core.fault_plans import POLICY, Outcome, transient_plans

PERSONA = "amazon_us"


class CountingApp:
    """The sandbox app, counting the SP-API requests it sees."""

    def __init__(self, app: Any) -> None:
        self.app, self.api_requests = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/amazon/sp-api/"):
            self.api_requests += 1
        await self.app(scope, receive, send)


@asynccontextmanager
async def sandbox() -> AsyncIterator[tuple[Sandbox, CountingApp]]:
    time = VirtualTime(ANCHOR_AT.replace(hour=1))
    config = SandboxConfig(
        seed=20240601,
        anchor=ANCHOR,
        clock=time.sandbox_clock,
        amazon=AmazonAppConfig(time_scale=1000.0, reference_dir=str(amazon_reference().parent)),
    )
    app = CountingApp(create_sandbox_app(config))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield Sandbox(http, time, AmazonConfig.for_sandbox("http://sandbox")), app


async def connected(box: Sandbox, persona: str, **changes: Any) -> AmazonClient:
    """The website authorization flow (as ``Sandbox.connect``), then a client under ``POLICY``
    whose own 429 loop may wait as long as needed: its waits are virtual here."""
    answer = await box.control("authorize", {"persona": persona, "state": "st-1"})
    callback = parse_callback(
        dict(parse_qsl(urlsplit(answer["callback_url"]).query)), expected_state="st-1"
    )
    personas = (await box.http.get("http://sandbox/_sandbox/personas")).json()["amazon"]
    region = next(p["region"] for p in personas if p["id"] == persona)
    config = dataclasses.replace(box.config, max_throttle_wait_s=1e9, **changes)
    tokens = await exchange_code(
        box.http, config, callback.code, REDIRECT,
        selling_partner_id=callback.selling_partner_id, region=region, clock=box.time.clock,
    )  # fmt: skip
    return AmazonClient(
        config, box.http, callback.selling_partner_id, region, MemoryTokenStore(tokens),
        retry=POLICY, clock=box.time.clock, sleep=box.time.sleep,
    )  # fmt: skip


async def pull_under(plan: dict[str, Any], api: str) -> None:
    async with sandbox() as (box, _):
        client = await connected(box, PERSONA, orders_api=api, orders_page_size=20)
        markets = [m.marketplace_id for m in await client.marketplaces()]
        await box.http.post("http://sandbox/_sandbox/faults", json=plan)
        outcome = await Outcome.of(client.orders(markets, START, ANCHOR_AT))
        report = (await box.http.get("http://sandbox/_sandbox/faults")).json()["faults"]["amazon"]
        await box.http.delete("http://sandbox/_sandbox/faults")
        truth = await box.truth(PERSONA)
        outcome.assert_survived(truth["order_ids"], report)


class TestTransientFaults:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plan=transient_plans("amazon"), api=st.sampled_from(["v0", "2026-01-01"]))
    def test_orders_equal_ground_truth_minus_corrupted(
        self, plan: dict[str, Any], api: str
    ) -> None:
        asyncio.run(pull_under(plan, api))


class TestPermanentFaults:
    async def test_revoked_authorization_stops_at_the_first_request(self) -> None:
        async with sandbox() as (box, app):
            client = await connected(box, PERSONA)
            markets = [m.marketplace_id for m in await client.marketplaces()]
            await box.control("revoke", {"persona": PERSONA})
            before = app.api_requests
            with pytest.raises(NeedsReauth):
                await Outcome.of(client.orders(markets, START, ANCHOR_AT))
            assert app.api_requests - before == 1
