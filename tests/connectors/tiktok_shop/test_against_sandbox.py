"""The TikTok Shop connector against the sandbox emulator, through ``httpx.ASGITransport``.

The connector is configured exactly as for the real platform except for base URLs and app
credentials (read from the sandbox's control API). Every stream is pulled for 90 days for every
persona and compared with the sandbox's ground truth; then expiry, revocation and missing scopes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.core.errors import NeedsReauth
from connectors.core.http import RetryPolicy
from connectors.core.records import (
    AccountRole,
    AffiliateCommissionRecord,
    Checkpoint,
    OrderRecord,
    Quarantined,
    ReturnRecord,
    SettlementRecord,
    ShopRecord,
    TokenSet,
)
from connectors.core.streams import Window, split
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient, TikTokShopConfig, exchange_code
from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app

BASE = "http://sandbox.test"
SELLERS = [
    "steady_us",
    "growing_us",
    "declining_us",
    "new_shop",
    "high_returns",
    "gb_seller",
    "id_seller",
]
CREATOR = "creator_affiliate"


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    config: TikTokShopConfig
    end: datetime
    tokens: TokenSet | None = None

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=90)

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, f"{BASE}/_sandbox{path}", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def connect(
        self,
        persona: str,
        scopes: list[str] | None = None,
        *,
        page_size: int = 100,
        attempts: int = 5,
    ) -> TikTokShopClient:
        body: dict[str, Any] = {"persona": persona, "state": "st-1"}
        if scopes is not None:
            body["scopes"] = scopes
        granted = await self.control("POST", "/tiktok_shop/authorize", json=body)
        query = parse_qs(urlsplit(granted["callback_url"]).query)
        assert query == {"code": [granted["code"]], "state": ["st-1"]}
        self.tokens = await exchange_code(self.http, self.config, query["code"][0])
        config = dataclasses.replace(self.config, page_size=page_size)
        return TikTokShopClient(
            config, self.http, MemoryTokenStore(self.tokens), retry=RetryPolicy.immediate(attempts)
        )

    async def truth(self, persona: str) -> Any:
        params = {"start": int(self.start.timestamp()), "end": int(self.end.timestamp())}
        return await self.control("GET", f"/tiktok_shop/ground-truth/{persona}", params=params)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    config = SandboxConfig()
    app = create_sandbox_app(config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        apps = (await http.get("/_sandbox/apps")).json()["tiktok_shop"]
        connector_config = TikTokShopConfig.for_sandbox(
            BASE,
            app_key=apps["app_key"],
            app_secret=apps["app_secret"],
            service_id=apps["service_id"],
        )
        end = datetime.combine(config.anchor, datetime.min.time(), tzinfo=UTC)
        yield Sandbox(http, connector_config, end)


async def pull(stream: AsyncIterator[Any]) -> tuple[list[Any], list[Checkpoint], list[Quarantined]]:
    records: list[Any] = []
    checkpoints: list[Checkpoint] = []
    quarantined: list[Quarantined] = []
    async for item in stream:
        if isinstance(item, Checkpoint):
            checkpoints.append(item)
        elif isinstance(item, Quarantined):
            quarantined.append(item)
        else:
            records.append(item)
    assert checkpoints and checkpoints[-1].done
    pages = [c.state["page"] for c in checkpoints]
    # every checkpoint moves on (a long window's slices read side by side may report several
    # pages at one checkpoint)
    assert pages == sorted(set(pages))
    return records, checkpoints, quarantined


def total(amounts: list[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))


class TestSellerPersonas:
    @pytest.mark.parametrize("persona", SELLERS)
    async def test_every_stream_matches_ground_truth(self, sandbox: Sandbox, persona: str) -> None:
        client = await sandbox.connect(persona)
        truth = await sandbox.truth(persona)
        shops = await client.authorized_shops()
        assert len(shops) == 1
        shop = shops[0]
        assert shop.shop_id == truth["shop"]["id"]
        assert shop.currency == truth["currency"]
        cur = truth["currency"]

        orders, _, bad = await pull(client.orders(shop, sandbox.start, sandbox.end))
        assert bad == []
        assert all(isinstance(o, OrderRecord) for o in orders)
        assert sorted(o.order_id for o in orders) == truth["order_ids"]
        assert len(orders) == truth["orders"]["count"]
        assert total([o.total_amount for o in orders]) == Decimal(truth["orders"]["total_amount"])
        assert {o.currency for o in orders} <= {cur}
        assert sum(o.is_sample for o in orders) == truth["orders"]["sample_order_count"]
        by_status: dict[str, int] = {}
        for o in orders:
            by_status[o.platform_status] = by_status.get(o.platform_status, 0) + 1
        assert by_status == truth["orders"]["count_by_status"]
        created = [o.created_at for o in orders]
        # ASC paging on every cursor: a long window is read as slices side by side
        span = (sandbox.end - sandbox.start).total_seconds()
        slices = math.ceil(span / (sandbox.config.slice_days * 86400))
        assert slices > 1
        for part in split(Window(sandbox.start, sandbox.end), slices):
            inside = [c for c in created if part.start <= c < part.end]
            assert inside == sorted(inside)
        assert all(sandbox.start <= c < sandbox.end for c in created)
        rendered = repr(orders)
        assert [p for p in truth["pii_values"] if p in rendered] == []

        statements, _, bad = await pull(client.statements(shop, sandbox.start, sandbox.end))
        assert bad == [] and all(isinstance(s, SettlementRecord) for s in statements)
        assert sorted(s.statement_id for s in statements) == truth["statements"]["ids"]
        assert total([s.settlement_amount for s in statements]) == Decimal(
            truth["statements"]["settlement_amount"]
        )

        affiliate, _, bad = await pull(
            client.seller_affiliate_orders(shop, sandbox.start, sandbox.end)
        )
        expected = truth["seller_affiliate_orders"]
        assert bad == [] and all(isinstance(a, AffiliateCommissionRecord) for a in affiliate)
        assert sorted(a.order_id for a in affiliate) == expected["ids"]
        assert total([a.estimated_commission for a in affiliate]) == Decimal(
            expected["estimated_commission"]
        )
        assert total([a.actual_commission or Decimal(0) for a in affiliate]) == Decimal(
            expected["actual_commission"]
        )
        assert all(a.role is AccountRole.SELLER for a in affiliate)

        returns, _, bad = await pull(client.returns(shop, sandbox.start, sandbox.end))
        assert bad == [] and all(isinstance(r, ReturnRecord) for r in returns)
        assert sorted(r.return_id for r in returns) == truth["returns"]["ids"]
        assert total([r.refund_amount for r in returns]) == Decimal(
            truth["returns"]["refund_total"]
        )

    async def test_resume_from_a_checkpoint_loses_nothing(self, sandbox: Sandbox) -> None:
        client = await sandbox.connect("steady_us")
        shop = (await client.authorized_shops())[0]
        small = dataclasses.replace(sandbox.config, page_size=20)
        client = TikTokShopClient(
            small,
            sandbox.http,
            client._refresher._store,
            retry=RetryPolicy.immediate(5),
        )
        first: list[str] = []
        state: dict[str, Any] | None = None
        async for item in client.orders(shop, sandbox.start, sandbox.end):
            if isinstance(item, OrderRecord):
                first.append(item.order_id)
            elif isinstance(item, Checkpoint):
                state = item.state
                if item.state["page"] == 2:
                    break  # "crash" after two committed pages
        assert state is not None
        rest, _, _ = await pull(client.orders(shop, sandbox.start, sandbox.end, state))
        ids = first + [o.order_id for o in rest]
        truth = await sandbox.truth("steady_us")
        assert sorted(ids) == truth["order_ids"] and len(set(ids)) == len(ids)


class TestCreatorPersona:
    async def test_creator_commissions_match_ground_truth(self, sandbox: Sandbox) -> None:
        client = await sandbox.connect(CREATOR)
        tokens = sandbox.tokens
        assert tokens is not None and tokens.account_id is not None
        assert tokens.role is AccountRole.CREATOR and tokens.account_id
        truth = await sandbox.truth(CREATOR)
        records, _, bad = await pull(
            client.creator_affiliate_orders(tokens.account_id, sandbox.start, sandbox.end)
        )
        expected = truth["creator_affiliate_orders"]
        assert bad == []
        assert sorted(r.order_id for r in records) == expected["ids"]
        assert total([r.estimated_commission for r in records]) == Decimal(
            expected["estimated_commission"]
        )
        assert total([r.actual_commission or Decimal(0) for r in records]) == Decimal(
            expected["actual_commission"]
        )
        assert all(r.role is AccountRole.CREATOR for r in records)
        assert all(r.settled == (r.actual_commission is not None) for r in records)


class TestAuthorizationLifecycle:
    async def test_expired_token_is_refreshed_and_call_succeeds(self, sandbox: Sandbox) -> None:
        client = await sandbox.connect("steady_us")
        shop: ShopRecord = (await client.authorized_shops())[0]
        await sandbox.control("POST", "/tiktok_shop/expire-tokens", json={"persona": "steady_us"})
        records, _, _ = await pull(client.statements(shop, sandbox.start, sandbox.end))
        assert client.refresh_count == 1
        assert records

    async def test_revoked_authorization_needs_reauth(self, sandbox: Sandbox) -> None:
        client = await sandbox.connect("steady_us")
        shop = (await client.authorized_shops())[0]
        await sandbox.control("POST", "/tiktok_shop/revoke", json={"persona": "steady_us"})
        with pytest.raises(NeedsReauth, match="revoked"):
            await pull(client.orders(shop, sandbox.start, sandbox.end))

    async def test_revoked_then_expired_refresh_fails_with_needs_reauth(
        self, sandbox: Sandbox
    ) -> None:
        client = await sandbox.connect("steady_us")
        shop = (await client.authorized_shops())[0]
        await sandbox.control("POST", "/tiktok_shop/expire-tokens", json={"persona": "steady_us"})
        await sandbox.control("POST", "/tiktok_shop/revoke", json={"persona": "steady_us"})
        with pytest.raises(NeedsReauth):
            await pull(client.orders(shop, sandbox.start, sandbox.end))

    async def test_missing_scope_needs_reauth_naming_the_scope(self, sandbox: Sandbox) -> None:
        scopes = ["seller.authorization.info", "seller.order.info", "seller.shop.info"]
        client = await sandbox.connect("steady_us", scopes=scopes)
        shop = (await client.authorized_shops())[0]
        orders, _, _ = await pull(client.orders(shop, sandbox.start, sandbox.end))
        assert orders
        with pytest.raises(NeedsReauth, match=r"missing permission seller\.finance\.info"):
            await pull(client.statements(shop, sandbox.start, sandbox.end))
        with pytest.raises(NeedsReauth, match=r"seller\.return_refund\.basic"):
            await pull(client.returns(shop, sandbox.start, sandbox.end))

    async def test_used_code_cannot_be_exchanged_twice(self, sandbox: Sandbox) -> None:
        granted = await sandbox.control(
            "POST", "/tiktok_shop/authorize", json={"persona": "steady_us", "state": "x"}
        )
        await exchange_code(sandbox.http, sandbox.config, granted["code"])
        with pytest.raises(NeedsReauth):
            await exchange_code(sandbox.http, sandbox.config, granted["code"])


class TestFaults:
    async def test_injected_5xx_and_429_are_retried_and_nothing_is_lost(
        self, sandbox: Sandbox
    ) -> None:
        client = await sandbox.connect("growing_us", page_size=25, attempts=12)
        shop = (await client.authorized_shops())[0]
        await sandbox.control(
            "POST",
            "/faults",
            json={
                "platform": "tiktok_shop",
                "error_rate": 0.2,
                "status": 503,
                "rate_limit_rate": 0.2,
                "seed": 7,
            },
        )
        orders, checkpoints, _ = await pull(client.orders(shop, sandbox.start, sandbox.end))
        await sandbox.control("DELETE", "/faults")
        truth = await sandbox.truth("growing_us")
        assert sorted(o.order_id for o in orders) == truth["order_ids"]
        assert len(checkpoints) > 5
