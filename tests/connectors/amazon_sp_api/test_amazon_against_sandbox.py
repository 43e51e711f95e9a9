"""The Amazon connector end to end against the sandbox emulator (in-process, no network).

The sandbox and the connector share one virtual clock: the connector's throttle "sleeps" by
moving it, and the sandbox refills its token buckets from it, so pulls run under real token
bucket arithmetic without any real waiting.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from amazon_fakes import amazon_reference

from connectors.amazon_sp_api import (
    AmazonClient,
    AmazonConfig,
    RatePlan,
    consent_url,
    exchange_code,
    parse_callback,
)
from connectors.core.errors import NeedsReauth
from connectors.core.http import RetryPolicy
from connectors.core.records import (
    Checkpoint,
    OrderRecord,
    OrderStatus,
    Quarantined,
    SettlementRecord,
)
from connectors.core.tokens import MemoryTokenStore
from sandbox.config import AmazonAppConfig, SandboxConfig
from sandbox.server import create_sandbox_app

ANCHOR = date(2025, 3, 1)
ANCHOR_AT = datetime(2025, 3, 1, tzinfo=UTC)
START = ANCHOR_AT - timedelta(days=90)
PERSONAS = ("amazon_us", "amazon_eu", "amazon_declining", "amazon_new")
APIS = ("2026-01-01", "v0")
REDIRECT = "http://127.0.0.1:8000/api/amazon/callback"


class VirtualTime:
    def __init__(self, at: datetime) -> None:
        self.unix = at.timestamp()

    def sandbox_clock(self) -> float:
        return self.unix

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.unix, tz=UTC)

    async def sleep(self, seconds: float) -> None:
        self.unix += seconds


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    time: VirtualTime
    config: AmazonConfig

    async def control(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.http.post(f"http://sandbox/_sandbox/amazon/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def truth(self, persona: str) -> dict[str, Any]:
        params = {"start": int(START.timestamp()), "end": int(ANCHOR_AT.timestamp())}
        response = await self.http.get(
            f"http://sandbox/_sandbox/amazon/ground-truth/{persona}", params=params
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def connect(self, persona: str, **config_changes: Any) -> AmazonClient:
        """The whole website authorization flow, then a client for the seller."""
        answer = await self.control("authorize", {"persona": persona, "state": "st-1"})
        callback = parse_callback(
            dict(parse_qsl(urlsplit(answer["callback_url"]).query)), expected_state="st-1"
        )
        personas = (await self.http.get("http://sandbox/_sandbox/personas")).json()["amazon"]
        region = next(p["region"] for p in personas if p["id"] == persona)
        config = dataclasses.replace(self.config, **config_changes)
        tokens = await exchange_code(
            self.http,
            config,
            callback.code,
            REDIRECT,
            selling_partner_id=callback.selling_partner_id,
            region=region,
            clock=self.time.clock,
        )
        return AmazonClient(
            config,
            self.http,
            callback.selling_partner_id,
            region,
            MemoryTokenStore(tokens),
            retry=RetryPolicy.immediate(3),
            clock=self.time.clock,
            sleep=self.time.sleep,
        )


@asynccontextmanager
async def sandbox(time_scale: float = 1000.0) -> AsyncIterator[Sandbox]:
    time = VirtualTime(ANCHOR_AT + timedelta(hours=1))
    app = create_sandbox_app(
        SandboxConfig(
            seed=20240601,
            anchor=ANCHOR,
            clock=time.sandbox_clock,
            amazon=AmazonAppConfig(
                time_scale=time_scale, reference_dir=str(amazon_reference().parent)
            ),
        )
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield Sandbox(http, time, AmazonConfig.for_sandbox("http://sandbox"))


async def collect(stream: Any) -> list[Any]:
    return [item async for item in stream]


def totals(records: list[OrderRecord]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for record in records:
        if record.status not in (OrderStatus.UNPAID, OrderStatus.CANCELLED):
            sums[record.currency] = sums.get(record.currency, Decimal(0)) + record.total_amount
    return sums


class TestAuthorization:
    async def test_consent_page_is_served_for_our_url(self) -> None:
        async with sandbox() as sbx:
            url = consent_url(sbx.config, "st-9", redirect_uri=REDIRECT)
            response = await sbx.http.get(url)
            assert response.status_code == 200
            assert "creditscore" in response.text.lower() or "authorize" in response.text.lower()

    async def test_code_is_single_use(self) -> None:
        async with sandbox() as sbx:
            answer = await sbx.control("authorize", {"persona": "amazon_us", "state": "s"})
            await exchange_code(sbx.http, sbx.config, answer["code"], REDIRECT)
            with pytest.raises(NeedsReauth, match="authorization code"):
                await exchange_code(sbx.http, sbx.config, answer["code"], REDIRECT)

    async def test_expired_access_token_is_refreshed(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_us")
            await sbx.control("expire-tokens", {"persona": "amazon_us"})
            assert [m.marketplace_id for m in await client.marketplaces()] == ["ATVPDKIKX0DER"]
            assert client.refresh_count == 1

    async def test_revoked_authorization_needs_reauth(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_us")
            await sbx.control("revoke", {"persona": "amazon_us"})
            with pytest.raises(NeedsReauth):
                await client.marketplaces()

    async def test_expired_and_revoked_needs_reauth_at_refresh(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_us")
            await sbx.control("revoke", {"persona": "amazon_us"})
            await sbx.control("expire-tokens", {"persona": "amazon_us"})
            with pytest.raises(NeedsReauth):
                await client.marketplaces()


class TestNinetyDayPull:
    @pytest.mark.parametrize("api", APIS)
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_equals_ground_truth_under_throttling(self, persona: str, api: str) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect(persona, orders_api=api, orders_page_size=7)
            truth = await sbx.truth(persona)
            markets = await client.marketplaces()
            assert sorted((m.marketplace_id, m.currency) for m in markets) == sorted(
                (m["id"], m["currency"]) for m in truth["marketplaces"]
            )
            items = await collect(
                client.orders([m.marketplace_id for m in markets], START, ANCHOR_AT)
            )
            assert not [i for i in items if isinstance(i, Quarantined)]
            orders = [i for i in items if isinstance(i, OrderRecord)]
            ids = [o.order_id for o in orders]
            assert len(ids) == len(set(ids)) == truth["orders"]["count"]
            assert set(ids) == set(truth["order_ids"])
            by_status = {o.order_id: o.status for o in orders}
            assert {i for i, s in by_status.items() if s is OrderStatus.UNPAID} == set(
                truth["pending_order_ids"]
            )
            assert {i for i, s in by_status.items() if s is OrderStatus.CANCELLED} == set(
                truth["canceled_order_ids"]
            )
            if api == "v0":
                assert (
                    dict(Counter(o.platform_status for o in orders))
                    == truth["orders"]["count_by_status"]
                )
            expected = {c: Decimal(v) for c, v in truth["orders"]["total_by_currency"].items()}
            assert totals(orders) == expected
            text = repr([asdict(o) for o in orders])
            assert not [value for value in truth["pii_values"] if value in text]
            checkpoints = [i for i in items if isinstance(i, Checkpoint)]
            assert checkpoints[-1].done and items[-1] is checkpoints[-1]
            if truth["orders"]["count"] > 7 * 25:
                # more pages than the burst: the bucket made us wait
                assert client.throttle.waited_s > 0

    async def test_overeager_client_gets_429s_and_still_completes(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect(
                "amazon_us",
                orders_page_size=5,
                rate_overrides={"searchOrders": RatePlan(1000.0, 100)},
            )
            truth = await sbx.truth("amazon_us")
            items = await collect(client.orders(["ATVPDKIKX0DER"], START, ANCHOR_AT))
            ids = {i.order_id for i in items if isinstance(i, OrderRecord)}
            assert ids == set(truth["order_ids"])
            assert client.throttle.waited_s > 0

    async def test_documented_rates_take_hours_of_virtual_time(self) -> None:
        async with sandbox(time_scale=1.0) as sbx:
            client = await sbx.connect("amazon_us", orders_page_size=20)
            truth = await sbx.truth("amazon_us")
            began = sbx.time.unix
            items = await collect(client.orders(["ATVPDKIKX0DER"], START, ANCHOR_AT))
            ids = {i.order_id for i in items if isinstance(i, OrderRecord)}
            assert ids == set(truth["order_ids"])
            pages = sum(isinstance(i, Checkpoint) for i in items)
            assert pages > 20
            # beyond the burst of 20, one searchOrders page per 1/0.0056 s
            assert sbx.time.unix - began >= (pages - 20) / 0.0056 * 0.99

    async def test_resume_from_a_checkpoint(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_eu", orders_page_size=10)
            truth = await sbx.truth("amazon_eu")
            markets = [m["id"] for m in truth["marketplaces"]]
            first: list[str] = []
            state: dict[str, Any] | None = None
            async for item in client.orders(markets, START, ANCHOR_AT):
                if isinstance(item, OrderRecord):
                    first.append(item.order_id)
                if isinstance(item, Checkpoint) and item.state["page"] == 3:
                    state = item.state
                    break
            assert state is not None
            rest = await collect(client.orders(markets, START, ANCHOR_AT, state))
            ids = first + [i.order_id for i in rest if isinstance(i, OrderRecord)]
            assert sorted(ids) == sorted(truth["order_ids"])


class TestTransactions:
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_equal_ground_truth(self, persona: str) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect(persona)
            truth = await sbx.truth(persona)
            items = await collect(client.transactions(START, ANCHOR_AT))
            assert not [i for i in items if isinstance(i, Quarantined)]
            records = [i for i in items if isinstance(i, SettlementRecord)]
            assert len(records) == truth["transactions"]["count"]
            sums: dict[str, Decimal] = {}
            for record in records:
                sums[record.currency] = sums.get(record.currency, Decimal(0)) + (
                    record.settlement_amount
                )
            expected = {
                c: Decimal(v) for c, v in truth["transactions"]["total_by_currency"].items()
            }
            assert sums == expected


class TestVerifyOrder:
    @pytest.mark.parametrize("api", APIS)
    async def test_real_fake_and_other_sellers_orders(self, api: str) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_us", orders_api=api)
            mine = await sbx.truth("amazon_us")
            theirs = await sbx.truth("amazon_eu")
            real = next(
                i
                for i in mine["order_ids"]
                if i not in mine["pending_order_ids"] and i not in mine["canceled_order_ids"]
            )
            record = await client.order(real)
            assert record is not None
            assert (record.order_id, record.shop_id) == (real, client.seller_id)
            assert record.total_amount > 0
            assert await client.order("111-0000000-0000000") is None
            assert await client.order(theirs["order_ids"][0]) is None
            assert await client.order("not an order") is None

    async def test_cancelled_order_is_found_and_marked(self) -> None:
        async with sandbox() as sbx:
            client = await sbx.connect("amazon_declining")
            truth = await sbx.truth("amazon_declining")
            assert truth["canceled_order_ids"]
            record = await client.order(truth["canceled_order_ids"][0])
            assert record is not None and record.status is OrderStatus.CANCELLED
