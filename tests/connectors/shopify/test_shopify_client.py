"""The GraphQL client: paging, windows, throttling, error mapping, shop info, token check."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopify_fakes import (
    CONFIG,
    NOW,
    SHOP,
    FakeClock,
    FakeShopify,
    make_client,
    order_node,
    token_set,
)

from connectors.core.errors import Fatal, NeedsReauth, RateLimited, Retriable
from connectors.core.records import Checkpoint, OrderRecord, Quarantined, ReturnRecord
from connectors.shopify import InvalidCredentials, ShopifyClient

START = NOW - timedelta(days=90)


def seeded(fake: FakeShopify, count: int, *, step: timedelta = timedelta(hours=7)) -> None:
    fake.orders = [order_node(n, START + n * step) for n in range(count)]


async def collect(stream: Any) -> tuple[list[Any], list[Checkpoint], list[Quarantined]]:
    records, checkpoints, bad = [], [], []
    async for item in stream:
        if isinstance(item, Checkpoint):
            checkpoints.append(item)
        elif isinstance(item, Quarantined):
            bad.append(item)
        else:
            records.append(item)
    return records, checkpoints, bad


def graphql_bodies(fake: FakeShopify) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in fake.requests if r.url.path.endswith("graphql.json")]


class TestOrdersPaging:
    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(page_size=st.integers(1, 40), count=st.integers(0, 60))
    async def test_any_page_size_yields_every_order_once(self, page_size: int, count: int) -> None:
        fake = FakeShopify(FakeClock())
        seeded(fake, count)
        config = dataclasses.replace(CONFIG, page_size=page_size)
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
            client, _ = make_client(fake, http, config=config)
            records, checkpoints, bad = await collect(client.orders(START, NOW))
        assert bad == []
        ids = [r.order_id for r in records]
        assert sorted(ids) == sorted(o["id"] for o in fake.orders)
        assert len(set(ids)) == len(ids)
        pages = [c.state["page"] for c in checkpoints]
        assert pages == list(range(1, len(pages) + 1))
        assert [c.done for c in checkpoints] == [False] * (len(pages) - 1) + [True]
        assert len(pages) == max(1, -(-count // page_size))

    async def test_request_shape_and_window(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 25)
        client, _ = make_client(fake, http)
        await collect(client.orders(START, NOW))
        bodies = graphql_bodies(fake)
        assert len(bodies) == 3
        first = bodies[0]
        assert first["variables"] == {
            "first": 10,
            "after": None,
            "query": "created_at:>='2026-01-31T00:00:00Z' AND created_at:<'2026-05-01T00:00:00Z'",
        }
        assert "sortKey: CREATED_AT" in first["query"]
        assert bodies[1]["variables"]["after"] == "c:10"
        for banned in ("email", "phone", "firstName", "lastName", "Address", "displayName"):
            assert banned not in first["query"]
        assert "customer { id }" in first["query"]
        request = next(r for r in fake.requests if r.url.path.endswith("graphql.json"))
        assert request.url == f"https://{SHOP}/admin/api/2026-07/graphql.json"
        assert request.headers["x-shopify-access-token"] == "shpat_access_0"

    async def test_updated_at_window(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        seeded(fake, 12)
        client, _ = make_client(fake, http)
        records, checkpoints, _ = await collect(client.orders(START, NOW, by="updated_at"))
        assert len(records) == 12
        body = graphql_bodies(fake)[0]
        assert "sortKey: UPDATED_AT" in body["query"]
        assert body["variables"]["query"].startswith("updated_at:>=")
        assert {c.stream for c in checkpoints} == {"orders_updated"}

    async def test_resume_from_checkpoint_loses_nothing(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 35)
        client, _ = make_client(fake, http)
        first: list[str] = []
        state = None
        async for item in client.orders(START, NOW):
            if isinstance(item, OrderRecord):
                first.append(item.order_id)
            elif isinstance(item, Checkpoint) and item.state["page"] == 2:
                state = item.state
                break
        assert state is not None
        rest, _, _ = await collect(client.orders(START, NOW, state))
        ids = first + [r.order_id for r in rest]
        assert sorted(ids) == sorted(o["id"] for o in fake.orders) and len(set(ids)) == 35

    async def test_refunds_and_test_orders(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        refunded = order_node(
            1,
            START + timedelta(days=1),
            displayFinancialStatus="PARTIALLY_REFUNDED",
            refunds=[
                {
                    "id": "gid://shopify/Refund/9",
                    "createdAt": "2026-02-05T10:00:00Z",
                    "totalRefundedSet": {"shopMoney": {"amount": "4.25", "currencyCode": "USD"}},
                },
            ],
        )
        fake.orders = [
            order_node(0, START, test=True),
            refunded,
            order_node(2, START + timedelta(days=2), totalPriceSet="oops"),
        ]
        client, _ = make_client(fake, http)
        records, _, bad = await collect(client.orders(START, NOW))
        assert [type(r) for r in records] == [OrderRecord, ReturnRecord]
        refund = records[1]
        assert refund.refund_amount == Decimal("4.25")
        assert refund.order_id == "gid://shopify/Order/1001"
        assert bad == [
            Quarantined("orders", "totalPriceSet.shopMoney is missing", "gid://shopify/Order/1002")
        ]


class TestThrottling:
    async def test_small_bucket_waits_instead_of_failing(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 60)
        fake.bucket_max = fake.available = 30.0  # a page of 10 costs 22
        fake.restore_rate = 5.0
        client, _ = make_client(fake, http)
        records, checkpoints, _ = await collect(client.orders(START, NOW))
        assert len(records) == 60 and checkpoints[-1].done
        assert fake.clock.slept and client.throttle_wait_s == pytest.approx(sum(fake.clock.slept))
        # waiting ahead of time from the reported throttleStatus avoids most THROTTLED answers
        assert fake.throttled <= 1

    async def test_throttled_answer_waits_for_the_refill_then_retries(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 5)
        fake.available = 2.0
        fake.restore_rate = 10.0
        client, _ = make_client(fake, http)
        records, _, _ = await collect(client.orders(START, NOW))
        assert len(records) == 5
        assert fake.throttled == 1
        assert fake.clock.slept[0] == pytest.approx((22 - 2) / 10 + 0.05)

    async def test_query_costlier_than_the_bucket_is_fatal(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 5)
        fake.bucket_max = fake.available = 10.0
        client, _ = make_client(fake, http)
        with pytest.raises(Fatal, match="lower page_size"):
            await collect(client.orders(START, NOW))

    async def test_endless_throttling_gives_up_after_the_bound(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        seeded(fake, 5)
        fake.available, fake.restore_rate = 0.0, 0.001
        config = dataclasses.replace(CONFIG, max_throttle_wait_s=60.0)
        client, _ = make_client(fake, http, config=config, attempts=1)
        with pytest.raises(RateLimited, match="throttling"):
            await collect(client.orders(START, NOW))


def throttled_then(fake: FakeShopify) -> None:
    fake.script.append(
        httpx.Response(
            200,
            json={
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {
                    "cost": {
                        "requestedQueryCost": 752,
                        "actualQueryCost": None,
                        "throttleStatus": {
                            "maximumAvailable": 1000.0,
                            "currentlyAvailable": 666,
                            "restoreRate": 50.0,
                        },
                    }
                },
            },
        )
    )


class TestErrorMapping:
    async def test_reference_throttled_shape(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        throttled_then(fake)
        client, _ = make_client(fake, http)
        assert (await client.shop_info()).name == "Steady Goods"
        assert fake.clock.slept == [pytest.approx((752 - 666) / 50 + 0.05)]

    async def test_401_without_refresh_token_is_revoked(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        fake.valid_tokens.clear()
        client, _ = make_client(fake, http)
        with pytest.raises(NeedsReauth, match="uninstalled"):
            await client.shop_info()
        assert len(fake.requests) == 1

    async def test_401_with_expiring_token_refreshes_once_and_retries(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        fake.valid_tokens.clear()  # rejected before its recorded expiry (clock skew, revoked)
        client, store = make_client(fake, http, token_set(expiring=True))
        info = await client.shop_info()
        assert info.currency == "USD" and client.refresh_count == 1
        assert store.history[-1].access_token == "shpat_access_1"

    async def test_401_after_refresh_needs_reauth(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        rejected = httpx.Response(401, json={"errors": "[API] Invalid API key"})
        fresh = {
            "access_token": "shpat_new",
            "scope": "read_orders",
            "expires_in": 3600,
            "refresh_token": "shprt_new",
            "refresh_token_expires_in": 7776000,
        }
        fake.script = [rejected, httpx.Response(200, json=fresh), rejected]
        client, _ = make_client(fake, http, token_set(expiring=True))
        with pytest.raises(NeedsReauth, match="uninstalled"):
            await client.shop_info()
        assert client.refresh_count == 1

    @pytest.mark.parametrize(
        ("response", "match"),
        [
            (
                httpx.Response(
                    403,
                    json={
                        "errors": "[API] This action requires merchant approval "
                        "for read_orders scope."
                    },
                ),
                "read_orders",
            ),
            (httpx.Response(403, json={"errors": "Forbidden"}), "read_orders"),
            (
                httpx.Response(
                    200,
                    json={
                        "errors": [
                            {
                                "message": "Access denied for orders field. "
                                "Required access: `read_all_orders` access "
                                "scope.",
                                "extensions": {"code": "ACCESS_DENIED"},
                            }
                        ]
                    },
                ),
                "read_all_orders",
            ),
        ],
    )
    async def test_missing_scope_is_named(
        self, fake: FakeShopify, http: httpx.AsyncClient, response: httpx.Response, match: str
    ) -> None:
        seeded(fake, 3)
        fake.script.append(response)
        client, _ = make_client(fake, http)
        with pytest.raises(NeedsReauth, match=f"missing permission {match}"):
            await collect(client.orders(START, NOW))

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    async def test_5xx_is_retried_then_succeeds(
        self, fake: FakeShopify, http: httpx.AsyncClient, status: int
    ) -> None:
        fake.script = [httpx.Response(status), httpx.Response(status, text="oops")]
        client, _ = make_client(fake, http)
        assert (await client.product_count()) == 42

    async def test_5xx_every_time_is_retriable(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        fake.script = [httpx.Response(503)] * 3
        client, _ = make_client(fake, http, attempts=3)
        with pytest.raises(Retriable, match="503"):
            await client.product_count()

    async def test_timeouts_are_retriable(self, fake: FakeShopify) -> None:
        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectTimeout("slow", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
            client, _ = make_client(fake, http, attempts=2)
            with pytest.raises(Retriable, match="timed out"):
                await client.shop_info()

    @pytest.mark.parametrize(
        ("response", "error", "match"),
        [
            (httpx.Response(429, headers={"retry-after": "2.0"}), RateLimited, "rate limit"),
            (httpx.Response(402, json={"errors": "Unavailable Shop"}), Fatal, "frozen"),
            (httpx.Response(423, json={"errors": "Locked"}), Fatal, "locked"),
            (httpx.Response(404, json={"errors": "Not Found"}), Fatal, "404"),
            (httpx.Response(400, json={"errors": "shpat_access_0 bad"}), Fatal, "HTTP 400"),
            (
                httpx.Response(200, json={"errors": [{"message": "Field 'x' doesn't exist"}]}),
                Fatal,
                "doesn't exist",
            ),
            (
                httpx.Response(
                    200,
                    json={
                        "errors": [
                            {"message": "too big", "extensions": {"code": "MAX_COST_EXCEEDED"}}
                        ]
                    },
                ),
                Fatal,
                "page_size",
            ),
            (httpx.Response(200, json={"extensions": {}}), Fatal, "without data"),
        ],
    )
    async def test_other_answers(
        self,
        fake: FakeShopify,
        http: httpx.AsyncClient,
        response: httpx.Response,
        error: type[Exception],
        match: str,
    ) -> None:
        fake.script = [response] * 3
        client, _ = make_client(fake, http)
        with pytest.raises(error, match=match) as caught:
            await client.shop_info()
        assert "shpat_access_0" not in str(caught.value)


class TestShopEndpoints:
    async def test_shop_info(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        client, _ = make_client(fake, http)
        info = await client.shop_info()
        assert info.shop_id == "gid://shopify/Shop/548380009"
        assert info.domain == SHOP and info.name == "Steady Goods"
        assert info.created_at.isoformat() == "2024-01-02T03:04:05+00:00"
        assert (info.currency, info.plan, info.shopify_plus) == ("USD", "Basic", False)

    async def test_product_count_and_scopes(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        client, _ = make_client(fake, http)
        assert await client.product_count() == 42
        assert await client.access_scopes() == ("read_orders", "read_products", "read_all_orders")
        assert fake.requests[-1].url == f"https://{SHOP}/admin/oauth/access_scopes.json"

    @pytest.mark.parametrize(
        ("scopes", "days"),
        [(("read_orders", "read_all_orders"), None), (("read_orders",), 60), ((), 60)],
    )
    def test_visible_days(self, scopes: tuple[str, ...], days: int | None) -> None:
        assert ShopifyClient.visible_days(scopes) == days


class TestVerifyToken:
    async def test_good_token(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        fake.scopes = ("read_orders", "read_products")
        client, _ = make_client(fake, http)
        info = await client.verify_token()
        assert info.scopes == ("read_orders", "read_products")
        assert ShopifyClient.visible_days(info.scopes) == 60

    async def test_bad_token(self, fake: FakeShopify, http: httpx.AsyncClient) -> None:
        fake.valid_tokens.clear()
        client, _ = make_client(fake, http)
        with pytest.raises(InvalidCredentials, match="did not accept this access token"):
            await client.verify_token()
        assert len(fake.requests) == 1

    async def test_token_without_read_orders(
        self, fake: FakeShopify, http: httpx.AsyncClient
    ) -> None:
        fake.scopes = ("read_products",)
        client, _ = make_client(fake, http)
        with pytest.raises(InvalidCredentials, match="read_orders"):
            await client.verify_token()
