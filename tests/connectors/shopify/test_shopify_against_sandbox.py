"""The Shopify connector against the sandbox emulator, through ``httpx.ASGITransport``.

Configured as for the real platform except the admin URL template and the app credentials
(read from the control API). Every persona is pulled for 90 days and compared with the ground
truth; then the 60-day window without ``read_all_orders``, throttling under a small bucket,
expiring tokens, revocation and the pasted custom-app token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from shopify_fakes import FakeClock

from connectors.core.errors import NeedsReauth
from connectors.core.http import RetryPolicy
from connectors.core.records import (
    NEVER_EXPIRES,
    Checkpoint,
    OrderRecord,
    OrderStatus,
    Quarantined,
    ReturnRecord,
    TokenSet,
)
from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import (
    InvalidCredentials,
    ShopifyClient,
    ShopifyConfig,
    exchange_code,
    parse_webhook,
    records_from_webhook,
    verify_callback,
    verify_webhook,
)
from sandbox.config import SandboxConfig, ShopifyAppConfig
from sandbox.server import create_sandbox_app

BASE = "http://sandbox.test"
PERSONAS = [
    "shopify_steady",
    "shopify_growing",
    "shopify_declining",
    "shopify_new",
    "shopify_high_refunds",
    "shopify_eu",
]


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    config: ShopifyConfig
    clock: FakeClock
    end: datetime
    shops: dict[str, str]

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=90)

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, f"{BASE}/_sandbox{path}", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def install(
        self, persona: str, *, expiring: bool = False, scopes: list[str] | None = None
    ) -> TokenSet:
        body: dict[str, Any] = {"persona": persona, "state": "st-1", "expiring": expiring}
        if scopes is not None:
            body["scopes"] = scopes
        granted = await self.control("POST", "/shopify/authorize", json=body)
        query = httpx.URL(granted["callback_url"]).params
        callback = verify_callback(self.config, query, now=self.clock(), expected_state="st-1")
        assert callback.shop == self.shops[persona] and callback.code == granted["code"]
        return await exchange_code(
            self.http, self.config, callback.shop, callback.code, expiring=expiring,
            clock=self.clock,
        )  # fmt: skip

    def client(
        self, persona: str, tokens: TokenSet, *, page_size: int = 100, attempts: int = 5
    ) -> tuple[ShopifyClient, MemoryTokenStore]:
        store = MemoryTokenStore(tokens)
        config = dataclasses.replace(self.config, page_size=page_size)
        client = ShopifyClient(
            config, self.http, self.shops[persona], store,
            retry=RetryPolicy.immediate(attempts), clock=self.clock, sleep=self.clock.sleep,
        )  # fmt: skip
        return client, store

    async def truth(self, persona: str, start: datetime | None = None) -> Any:
        params = {"start": int((start or self.start).timestamp()), "end": int(self.end.timestamp())}
        return await self.control("GET", f"/shopify/ground-truth/{persona}", params=params)


async def make_sandbox(app_config: ShopifyAppConfig | None = None) -> AsyncIterator[Sandbox]:
    probe = SandboxConfig()
    end = datetime.combine(probe.anchor, datetime.min.time(), tzinfo=UTC)
    clock = FakeClock(end + timedelta(hours=1))
    config = SandboxConfig(
        anchor=probe.anchor,
        clock=lambda: clock().timestamp(),
        shopify=app_config or ShopifyAppConfig(),
    )
    transport = httpx.ASGITransport(app=create_sandbox_app(config))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        apps = (await http.get("/_sandbox/apps")).json()["shopify"]
        personas = (await http.get("/_sandbox/personas")).json()["shopify"]
        connector = ShopifyConfig.for_sandbox(
            BASE, client_id=apps["client_id"], client_secret=apps["client_secret"]
        )
        shops = {p["id"]: p["shop"] for p in personas}
        yield Sandbox(http, connector, clock, end, shops)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async for box in make_sandbox():
        yield box


async def pull(stream: AsyncIterator[Any]) -> tuple[list[OrderRecord], list[ReturnRecord]]:
    orders: list[OrderRecord] = []
    refunds: list[ReturnRecord] = []
    checkpoints: list[Checkpoint] = []
    async for item in stream:
        if isinstance(item, Checkpoint):
            checkpoints.append(item)
        elif isinstance(item, Quarantined):
            pytest.fail(f"quarantined: {item}")
        elif isinstance(item, OrderRecord):
            orders.append(item)
        else:
            assert isinstance(item, ReturnRecord)
            refunds.append(item)
    assert checkpoints and checkpoints[-1].done
    pages = [c.state["page"] for c in checkpoints]
    assert pages == list(range(1, len(pages) + 1))
    return orders, refunds


def by_id(gids: list[str]) -> list[str]:
    return sorted(gids, key=lambda g: int(g.rsplit("/", 1)[1]))


def total(amounts: list[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))


def assert_matches_truth(
    orders: list[OrderRecord], refunds: list[ReturnRecord], truth: Any
) -> None:
    assert by_id([o.order_id for o in orders]) == truth["order_ids"]
    assert len(orders) == truth["orders"]["count"]
    assert not set(truth["test_order_ids"]) & {o.order_id for o in orders}
    currency = truth["currency"]
    assert {o.currency for o in orders} <= {currency}
    assert total([o.total_amount for o in orders]) == Decimal(truth["orders"]["total_price"])
    statuses: dict[str, int] = {}
    for o in orders:
        statuses[o.platform_status.lower()] = statuses.get(o.platform_status.lower(), 0) + 1
    assert statuses == {
        k.lower(): v for k, v in truth["orders"]["count_by_financial_status"].items()
    }
    assert (
        sum(o.status is OrderStatus.CANCELLED and o.cancelled_at is not None for o in orders)
        == (truth["cancelled"])
    )
    assert len(refunds) == truth["refunds"]["count"]
    assert total([r.refund_amount for r in refunds]) == Decimal(truth["refunds"]["amount"])
    assert {r.order_id for r in refunds} <= {o.order_id for o in orders}
    rendered = repr([*orders, *refunds])
    assert [p for p in truth["pii_values"] if p in rendered] == []


class TestNinetyDayPull:
    @pytest.mark.parametrize("persona", PERSONAS)
    async def test_pull_matches_ground_truth(self, sandbox: Sandbox, persona: str) -> None:
        tokens = await sandbox.install(persona)
        assert ShopifyClient.visible_days(tokens.scopes) is None
        client, _ = sandbox.client(persona, tokens, page_size=50)
        truth = await sandbox.truth(persona)
        orders, refunds = await pull(client.orders(sandbox.start, sandbox.end))
        assert_matches_truth(orders, refunds, truth)
        assert all(sandbox.start <= o.created_at < sandbox.end for o in orders)
        created = [o.created_at for o in orders]
        assert created == sorted(created)
        customers = {o.buyer_ref for o in orders if o.buyer_ref}
        assert len(customers) == truth["customers"]

        info = await client.shop_info()
        shop = truth["shop"]
        assert info.shop_id == f"gid://shopify/Shop/{shop['id']}"
        assert info.currency == shop["currency"] == truth["currency"]
        assert info.created_at == datetime.fromisoformat(shop["created_at"]).astimezone(UTC)
        assert info.plan == shop["plan_display_name"]
        assert await client.product_count() == truth["product_count"]

    async def test_updated_at_window_sees_every_order_updated_in_it(self, sandbox: Sandbox) -> None:
        client, _ = sandbox.client("shopify_steady", await sandbox.install("shopify_steady"))
        created, _ = await pull(client.orders(sandbox.start, sandbox.end))
        updated, _ = await pull(client.orders(sandbox.start, sandbox.end, by="updated_at"))
        assert all(sandbox.start <= o.updated_at < sandbox.end for o in updated)
        expected = {o.order_id for o in created if o.updated_at < sandbox.end}
        assert expected <= {o.order_id for o in updated}


class TestVisibleWindow:
    async def test_without_read_all_orders_only_sixty_days(self, sandbox: Sandbox) -> None:
        persona = "shopify_steady"
        tokens = await sandbox.install(persona, scopes=["read_orders", "read_products"])
        assert tokens.scopes == ("read_orders", "read_products")
        assert ShopifyClient.visible_days(tokens.scopes) == 60
        client, _ = sandbox.client(persona, tokens)
        orders, refunds = await pull(client.orders(sandbox.start, sandbox.end))
        visible_from = sandbox.clock() - timedelta(days=60)
        assert min(o.created_at for o in orders) >= visible_from
        cut = datetime.fromtimestamp(int(visible_from.timestamp()), tz=UTC)
        assert_matches_truth(orders, refunds, await sandbox.truth(persona, start=cut))
        everything = await sandbox.truth(persona)
        assert len(orders) < everything["orders"]["count"]  # older orders exist, just not visible


class TestThrottling:
    async def test_small_bucket_pull_completes(self) -> None:
        small = ShopifyAppConfig(graphql_bucket_size=300.0, graphql_restore_per_second=20.0)
        async for sandbox in make_sandbox(small):
            persona = "shopify_growing"
            client, _ = sandbox.client(persona, await sandbox.install(persona), page_size=50)
            orders, refunds = await pull(client.orders(sandbox.start, sandbox.end))
            assert_matches_truth(orders, refunds, await sandbox.truth(persona))
            assert client.throttle_wait_s > 0 and sandbox.clock.slept


class TestTokens:
    async def test_expiring_token_refreshes_across_expiry(self, sandbox: Sandbox) -> None:
        persona = "shopify_eu"
        tokens = await sandbox.install(persona, expiring=True)
        assert tokens.refresh_token and tokens.refresh_expires_at
        assert tokens.access_expires_at == sandbox.clock() + timedelta(seconds=3600)
        client, store = sandbox.client(persona, tokens)
        await client.shop_info()
        sandbox.clock.now += timedelta(hours=2)
        orders, _ = await pull(client.orders(sandbox.start, sandbox.end))
        assert orders and client.refresh_count == 1
        assert store.history[-1].refresh_token != tokens.refresh_token  # rotated and persisted

    async def test_expired_on_the_server_refreshes_once(self, sandbox: Sandbox) -> None:
        persona = "shopify_steady"
        client, _ = sandbox.client(persona, await sandbox.install(persona, expiring=True))
        await sandbox.control("POST", "/shopify/expire-tokens", json={"persona": persona})
        assert (await client.shop_info()).domain == sandbox.shops[persona]
        assert client.refresh_count == 1

    async def test_non_expiring_token(self, sandbox: Sandbox) -> None:
        tokens = await sandbox.install("shopify_new")
        assert tokens.access_expires_at == NEVER_EXPIRES and tokens.refresh_token is None
        client, _ = sandbox.client("shopify_new", tokens)
        orders, refunds = await pull(client.orders(sandbox.start, sandbox.end))
        assert orders == [] and refunds == []

    @pytest.mark.parametrize("expiring", [False, True])
    async def test_revoked_needs_reauth(self, sandbox: Sandbox, expiring: bool) -> None:
        persona = "shopify_declining"
        client, _ = sandbox.client(persona, await sandbox.install(persona, expiring=expiring))
        await client.shop_info()
        await sandbox.control("POST", "/shopify/revoke", json={"persona": persona})
        with pytest.raises(NeedsReauth):
            await pull(client.orders(sandbox.start, sandbox.end))

    async def test_code_is_single_use(self, sandbox: Sandbox) -> None:
        granted = await sandbox.control(
            "POST", "/shopify/authorize", json={"persona": "shopify_steady", "state": "x"}
        )
        shop = sandbox.shops["shopify_steady"]
        await exchange_code(sandbox.http, sandbox.config, shop, granted["code"], expiring=False)
        with pytest.raises(NeedsReauth):
            await exchange_code(sandbox.http, sandbox.config, shop, granted["code"], expiring=False)


class TestCustomAppToken:
    async def test_good_and_bad_pasted_tokens(self, sandbox: Sandbox) -> None:
        tokens = await sandbox.control("GET", "/shopify/custom-app-tokens")
        persona = "shopify_high_refunds"
        entry = tokens[persona]
        assert entry["shop"] == sandbox.shops[persona]
        assert entry["access_token"].startswith("shpat_")
        pasted = TokenSet(entry["access_token"], NEVER_EXPIRES, None, None, (), entry["shop"])
        client, _ = sandbox.client(persona, pasted)
        info = await client.verify_token()
        assert info.domain == entry["shop"] and "read_orders" in info.scopes
        orders, refunds = await pull(client.orders(sandbox.start, sandbox.end))
        assert_matches_truth(orders, refunds, await sandbox.truth(persona))

        wrong = dataclasses.replace(pasted, access_token="shpat_" + "0" * 32)
        bad_client, _ = sandbox.client(persona, wrong)
        with pytest.raises(InvalidCredentials, match="did not accept"):
            await bad_client.verify_token()
        other_store = sandbox.shops["shopify_steady"]
        mismatched = ShopifyClient(
            sandbox.config, sandbox.http, other_store, MemoryTokenStore(pasted),
            retry=RetryPolicy.immediate(2), clock=sandbox.clock, sleep=sandbox.clock.sleep,
        )  # fmt: skip
        with pytest.raises(InvalidCredentials):
            await mismatched.verify_token()


class TestSandboxWebhooks:
    TOPICS = (
        "orders/create", "orders/updated", "orders/paid", "orders/cancelled", "refunds/create",
        "app/uninstalled", "customers/data_request", "customers/redact", "shop/redact",
    )  # fmt: skip

    @pytest.mark.parametrize("topic", TOPICS)
    async def test_signed_samples_verify_parse_and_map(self, sandbox: Sandbox, topic: str) -> None:
        persona = "shopify_high_refunds"
        sample = await sandbox.control(
            "POST", "/shopify/webhooks/sample", json={"persona": persona, "topic": topic}
        )
        body = sample["body"].encode()
        headers = sample["headers"]
        signature = next(v for k, v in headers.items() if k.lower() == "x-shopify-hmac-sha256")
        assert verify_webhook(sandbox.config.client_secret, body, signature)
        assert not verify_webhook(sandbox.config.client_secret, body + b" ", signature)
        hook = parse_webhook(headers, body)
        assert (hook.topic, hook.shop_domain) == (topic, sandbox.shops[persona])
        assert hook.webhook_id and hook.api_version
        records = records_from_webhook(hook, currency="USD")
        if topic.startswith("orders/"):
            assert isinstance(records[0], OrderRecord)
            assert records[0].order_id.startswith("gid://shopify/Order/")
            assert records[0].shop_id == sandbox.shops[persona]
        elif topic == "refunds/create":
            assert [type(r) for r in records] == [ReturnRecord]
            assert records[0].refund_amount > 0
        else:
            assert records == []
        pii = (await sandbox.truth(persona, start=sandbox.end - timedelta(days=400)))["pii_values"]
        rendered = repr(records)
        assert [p for p in pii if p in rendered] == []

    async def test_webhook_order_equals_the_pulled_order(self, sandbox: Sandbox) -> None:
        persona = "shopify_steady"
        client, _ = sandbox.client(persona, await sandbox.install(persona))
        pulled, _ = await pull(client.orders(sandbox.start, sandbox.end))
        sample = await sandbox.control(
            "POST", "/shopify/webhooks/sample",
            json={"persona": persona, "topic": "orders/updated", "order_id": pulled[-1].order_id},
        )  # fmt: skip
        hook = parse_webhook(sample["headers"], sample["body"].encode())
        [from_webhook, *_] = records_from_webhook(hook)
        assert isinstance(from_webhook, OrderRecord)
        same = dataclasses.replace(from_webhook, item_count=pulled[-1].item_count)
        assert same == pulled[-1]
