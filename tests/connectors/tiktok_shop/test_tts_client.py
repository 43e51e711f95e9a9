"""Tests of TikTokShopClient against a scripted platform: error mapping, refresh, rate limits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tts_fakes import CONFIG, NOW, SHOP, FakePlatform, Harness, envelope, token_data, token_set

from connectors.core.errors import Fatal, NeedsReauth, RateLimited, Retriable
from connectors.core.http import RetryPolicy
from connectors.core.records import Checkpoint, OrderRecord, Quarantined
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient

Build = Callable[..., Harness]
START, END = NOW - timedelta(days=90), NOW


def always(response: Callable[[], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: response()


def scripted(*responses: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def ok_orders(n: int = 0) -> httpx.Response:
    return envelope({"orders": [], "next_page_token": "", "total_count": n})


async def drain(agen: Any) -> list[Any]:
    return [item async for item in agen]


class TestErrorMapping:
    @pytest.mark.parametrize(
        ("code", "status", "match"),
        [
            (105001, 401, "revoked this authorization"),
            (36004001, 200, "revoked this authorization"),
            (36004005, 200, "revoked this authorization"),
            (105005, 403, "missing permission seller.finance.info"),
        ],
    )
    async def test_needs_reauth(self, harness: Build, code: int, status: int, match: str) -> None:
        h = harness(always(lambda: envelope(code=code, message="nope", status=status)))
        with pytest.raises(NeedsReauth, match=match) as info:
            await drain(h.client.statements(SHOP, START, END))
        assert info.value.code == code
        assert len(h.fake.requests) == 1  # never retried

    async def test_missing_scope_names_the_endpoint_scope(self, harness: Build) -> None:
        h = harness(always(lambda: envelope(code=105005, message="you should apply auth pkg")))
        with pytest.raises(NeedsReauth, match=r"seller\.return_refund\.basic"):
            await drain(h.client.returns(SHOP, START, END))
        with pytest.raises(NeedsReauth, match=r"seller\.affiliate_collaboration\.read"):
            await drain(h.client.seller_affiliate_orders(SHOP, START, END))
        with pytest.raises(NeedsReauth, match=r"creator\.affiliate_collaboration\.read"):
            await drain(h.client.creator_affiliate_orders("c", START, END))
        with pytest.raises(NeedsReauth, match=r"seller\.authorization\.info"):
            await h.client.authorized_shops()

    @pytest.mark.parametrize(
        ("code", "status"), [(36009003, 200), (36009007, 200), (0, 500), (None, 503), (1, 502)]
    )
    async def test_retriable_after_bounded_attempts(
        self, harness: Build, code: int | None, status: int
    ) -> None:
        def failing() -> httpx.Response:
            if code is None:
                return httpx.Response(status, text="<html>overloaded</html>")
            return envelope(code=code, status=status)

        h = harness(always(failing), retry=RetryPolicy.immediate(attempts=4))
        with pytest.raises(Retriable):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.requests) == 4

    @pytest.mark.parametrize(("code", "status"), [(36009002, 429), (36009002, 200), (0, 429)])
    async def test_rate_limited_after_bounded_attempts(
        self, harness: Build, code: int, status: int
    ) -> None:
        h = harness(always(lambda: envelope(code=code, status=status)))
        with pytest.raises(RateLimited):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.requests) == 3

    async def test_rate_limited_then_success(self, harness: Build) -> None:
        h = harness(
            scripted(
                envelope(code=36009002, status=429, headers={"retry-after": "7"}),
                envelope(code=36009002, status=429),
                ok_orders(),
            ),
            retry=RetryPolicy.immediate(attempts=5),
        )
        items = await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.requests) == 3
        assert isinstance(items[-1], Checkpoint) and items[-1].done
        timestamps = {r.url.params["timestamp"] for r in h.fake.requests}
        assert timestamps  # every attempt is signed afresh (and verified by the fake)

    async def test_transport_error_retried_then_success(self, harness: Build) -> None:
        calls = {"n": 0}

        def flaky(request: httpx.Request) -> httpx.Response:
            calls["n"] += 1
            if calls["n"] == 1:
                raise httpx.ConnectError("refused")
            if calls["n"] == 2:
                raise httpx.ReadTimeout("slow")
            return ok_orders()

        h = harness(flaky, retry=RetryPolicy.immediate(attempts=3))
        items = await drain(h.client.orders(SHOP, START, END))
        assert calls["n"] == 3 and items[-1].done

    async def test_bad_sign_is_fatal(self, harness: Build) -> None:
        h = harness(always(lambda: envelope(code=106001, status=401, message="Invalid sign")))
        with pytest.raises(Fatal, match="signature"):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.requests) == 1

    async def test_our_signature_is_accepted_by_the_fake(self, harness: Build) -> None:
        h = harness(always(ok_orders))
        await drain(h.client.orders(SHOP, START, END))
        # FakePlatform answers 106001 on a bad signature; reaching here means it verified
        assert h.fake.requests[0].url.params["app_key"] == "test_key"

    @pytest.mark.parametrize(
        ("code", "status"), [(106013, 400), (101000, 200), (36009004, 401), (12345, 200)]
    )
    async def test_other_codes_fatal_with_code_and_message(
        self, harness: Build, code: int, status: int
    ) -> None:
        h = harness(always(lambda: envelope(code=code, message="some reason", status=status)))
        with pytest.raises(Fatal, match="some reason") as info:
            await drain(h.client.orders(SHOP, START, END))
        assert info.value.code == code and str(code) in str(info.value)

    async def test_business_error_with_http_200_is_not_success(self, harness: Build) -> None:
        h = harness(always(lambda: envelope({"orders": []}, code=105001)))
        with pytest.raises(NeedsReauth):
            await drain(h.client.orders(SHOP, START, END))

    async def test_non_json_4xx_is_fatal(self, harness: Build) -> None:
        h = harness(always(lambda: httpx.Response(404, text="not found")))
        with pytest.raises(Fatal, match="without a JSON envelope"):
            await drain(h.client.orders(SHOP, START, END))

    async def test_truncated_200_is_retried_a_bounded_number_of_times(self, harness: Build) -> None:
        h = harness(always(lambda: httpx.Response(200, text='{"code":0,"data":{"ord')))
        with pytest.raises(Retriable, match="not JSON"):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.requests) == 3  # RetryPolicy.immediate(3), then it gives up

    async def test_error_messages_never_contain_the_token(self, harness: Build) -> None:
        h = harness(always(lambda: envelope(code=999, message="token AT1 is odd")))
        with pytest.raises(Fatal) as info:
            await drain(h.client.orders(SHOP, START, END))
        assert "AT1" not in str(info.value)


class TestRefresh:
    async def test_expired_token_refreshed_once_then_retried(self, harness: Build) -> None:
        def api(request: httpx.Request) -> httpx.Response:
            if request.headers["x-tts-access-token"] == "AT1":
                return envelope(code=105002, message="Expired credentials.", status=401)
            return ok_orders()

        h = harness(api)
        items = await drain(h.client.orders(SHOP, START, END))
        assert items[-1].done
        assert [r.url.params["refresh_token"] for r in h.fake.refreshes] == ["RT1"]
        assert [r.headers["x-tts-access-token"] for r in h.fake.requests] == ["AT1", "AT2"]
        assert h.client.refresh_count == 1

    async def test_second_expiry_after_refresh_needs_reauth_no_loop(self, harness: Build) -> None:
        h = harness(always(lambda: envelope(code=105002, status=401)))
        with pytest.raises(NeedsReauth, match="freshly refreshed"):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.refreshes) == 1
        assert len(h.fake.requests) == 2

    async def test_rotated_refresh_token_saved_before_use(self, harness: Build) -> None:
        h = harness()
        seen_in_store: list[str | None] = []

        def api(request: httpx.Request) -> httpx.Response:
            if request.headers["x-tts-access-token"] == "AT1":
                return envelope(code=105002, status=401)
            stored = h.store.history[-1]
            seen_in_store.append(stored.refresh_token)
            assert stored.access_token == request.headers["x-tts-access-token"]
            return ok_orders()

        h.fake.api_handler = api
        await drain(h.client.orders(SHOP, START, END))
        assert seen_in_store == ["RT2"]
        assert [t.refresh_token for t in h.store.history] == ["RT1", "RT2"]

    async def test_concurrent_expiry_refreshes_exactly_once(self, harness: Build) -> None:
        all_expired = asyncio.Event()
        expired_seen = 0

        async def api(request: httpx.Request) -> httpx.Response:
            nonlocal expired_seen
            if request.headers["x-tts-access-token"] == "AT1":
                expired_seen += 1
                if expired_seen == 10:
                    all_expired.set()
                await asyncio.wait_for(all_expired.wait(), timeout=5)  # everyone sees expiry
                return envelope(code=105002, status=401)
            return ok_orders()

        h = harness(api)
        results = await asyncio.gather(
            *(drain(h.client.orders(SHOP, START, END)) for _ in range(10))
        )
        assert all(r[-1].done for r in results)
        tokens_sent = [r.headers["x-tts-access-token"] for r in h.fake.requests]
        assert tokens_sent.count("AT1") == 10  # all ten really hit the expiry concurrently
        assert tokens_sent.count("AT2") == 10
        assert len(h.fake.refreshes) == 1
        assert h.client.refresh_count == 1

    async def test_refresh_rejected_needs_reauth(self, harness: Build) -> None:
        h = harness(
            always(lambda: envelope(code=105002, status=401)),
            refresh_handler=lambda r: envelope(code=36004005, message="can not find"),
        )
        with pytest.raises(NeedsReauth, match="authorize again"):
            await drain(h.client.orders(SHOP, START, END))
        assert len(h.store.history) == 1

    async def test_proactive_refresh_when_stored_token_expired(self, harness: Build) -> None:
        import dataclasses

        from tts_fakes import token_set

        expired = dataclasses.replace(token_set(1), access_expires_at=NOW - timedelta(hours=1))
        h = harness(always(ok_orders), tokens=expired)
        await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.refreshes) == 1
        assert h.fake.requests[0].headers["x-tts-access-token"] == "AT2"

    async def test_refresh_server_error_retried(self, harness: Build) -> None:
        answers = [httpx.Response(503), envelope(token_data(2))]
        h = harness(
            lambda r: (
                envelope(code=105002, status=401)
                if r.headers["x-tts-access-token"] == "AT1"
                else ok_orders()
            ),
            refresh_handler=lambda r: answers.pop(0),
        )
        await drain(h.client.orders(SHOP, START, END))
        assert len(h.fake.refreshes) == 2


class TestRequests:
    async def test_orders_request_shape(self, harness: Build) -> None:
        h = harness(always(ok_orders))
        await drain(h.client.orders(SHOP, START, END))
        request = h.fake.requests[0]
        assert request.method == "POST"
        assert request.url.path == "/prefix/api/order/202309/orders/search"
        params = dict(request.url.params)
        assert params["shop_cipher"] == "GCP_cipher/+x"
        assert params["page_size"] == "100"
        assert (params["sort_field"], params["sort_order"]) == ("create_time", "ASC")
        assert "page_token" not in params and "access_token" not in params
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-tts-access-token"] == "AT1"
        body = json.loads(request.content)
        assert body == {
            "create_time_ge": int(START.timestamp()),
            "create_time_lt": int(END.timestamp()),
        }
        assert b" " not in request.content

    async def test_statements_request_shape(self, harness: Build) -> None:
        h = harness(always(lambda: envelope({"statements": [], "next_page_token": ""})))
        await drain(h.client.statements(SHOP, START, END))
        request = h.fake.requests[0]
        assert request.method == "GET" and request.content == b""
        assert request.url.path.endswith("/finance/202309/statements")
        params = dict(request.url.params)
        assert params["sort_field"] == "statement_time" and params["sort_order"] == "ASC"
        assert params["statement_time_ge"] == str(int(START.timestamp()))
        assert params["statement_time_lt"] == str(int(END.timestamp()))

    async def test_returns_page_size_is_clamped_string(self, harness: Build) -> None:
        h = harness(always(lambda: envelope({"return_orders": [], "next_page_token": ""})))
        await drain(h.client.returns(SHOP, START, END))
        request = h.fake.requests[0]
        assert request.url.path.endswith("/return_refund/202309/returns/search")
        assert request.url.params["page_size"] == "50"
        assert json.loads(request.content)["create_time_ge"] == int(START.timestamp())

    async def test_affiliate_requests(self, harness: Build) -> None:
        h = harness(always(lambda: envelope({"orders": [], "next_page_token": ""})))
        await drain(h.client.seller_affiliate_orders(SHOP, START, END))
        await drain(h.client.creator_affiliate_orders("creator1", START, END))
        seller, creator = h.fake.requests
        assert seller.url.path.endswith("/affiliate_seller/202410/orders/search")
        assert seller.url.params["shop_cipher"] == SHOP.cipher
        assert creator.url.path.endswith("/affiliate_creator/202410/orders/search")
        assert "shop_cipher" not in creator.url.params

    async def test_versions_are_configurable(self, harness: Build) -> None:
        config = dataclasses.replace(CONFIG, orders_version="202507")
        h = harness(always(ok_orders), config=config)
        await drain(h.client.orders(SHOP, START, END))
        assert h.fake.requests[0].url.path.endswith("/order/202507/orders/search")

    async def test_paging_sends_next_token(self, harness: Build, load_example: Any) -> None:
        sample = load_example("orders__get-order-list.response.json")
        pages = [sample, {**sample, "data": {**sample["data"], "next_page_token": ""}}]

        def api(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=pages[len(h.fake.requests) - 1])

        h = harness(api)
        items = await drain(h.client.orders(SHOP, START, END))
        assert h.fake.requests[1].url.params["page_token"] == sample["data"]["next_page_token"]
        assert [type(i).__name__ for i in items] == [
            "OrderRecord",
            "Checkpoint",
            "OrderRecord",
            "Checkpoint",
        ]

    async def test_bad_record_quarantined_through_the_client(
        self, harness: Build, load_example: Any
    ) -> None:
        sample = load_example("orders__get-order-list.response.json")
        good = sample["data"]["orders"][0]
        bad = {**good, "id": "BAD1", "payment": {"currency": "USD", "total_amount": "lots"}}
        page = {
            "code": 0,
            "data": {"orders": [good, bad, {**good, "id": "2"}], "next_page_token": ""},
        }
        h = harness(always(lambda: httpx.Response(200, json=page)))
        items = await drain(h.client.orders(SHOP, START, END))
        assert [i.order_id for i in items if isinstance(i, OrderRecord)] == [good["id"], "2"]
        quarantined = [i for i in items if isinstance(i, Quarantined)]
        assert len(quarantined) == 1 and quarantined[0].raw_id == "BAD1"
        assert quarantined[0].stream == "orders"


class TestShopsAndOrder:
    async def test_authorized_shops_without_cipher(self, harness: Build, load_example: Any) -> None:
        sample = load_example("authorization__get-authorized-shops.response.json")
        h = harness(always(lambda: httpx.Response(200, json=sample)))
        shops = await h.client.authorized_shops()
        assert [(s.shop_id, s.currency) for s in shops] == [("7000714532876273420", "GBP")]
        request = h.fake.requests[0]
        assert request.url.path.endswith("/authorization/202309/shops")
        assert "shop_cipher" not in request.url.params

    async def test_order_by_id(self, harness: Build, load_example: Any) -> None:
        sample = load_example("orders__get-order-list.response.json")
        h = harness(always(lambda: httpx.Response(200, json=sample)))
        order = await h.client.order(SHOP, "576461413038785752")
        assert order is not None and order.total_amount == 5000
        request = h.fake.requests[0]
        assert request.method == "GET" and request.url.path.endswith("/order/202309/orders")
        assert request.url.params["ids"] == "576461413038785752"
        assert await h.client.order(SHOP, "unknown") is None


class TestClientPagingProperty:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        n=st.integers(min_value=0, max_value=45), page_size=st.integers(min_value=1, max_value=100)
    )
    async def test_any_page_size_every_order_once(self, n: int, page_size: int) -> None:
        def api(request: httpx.Request) -> httpx.Response:
            size = int(request.url.params["page_size"])
            token = request.url.params.get("page_token")
            offset = int(token.removeprefix("p/+")) if token else 0
            orders = [
                {
                    "id": str(i),
                    "status": "COMPLETED",
                    "create_time": 1_700_000_000 + i,
                    "update_time": 1_700_000_000 + i,
                    "user_id": f"buyer{i % 3}",
                    "payment": {"currency": "USD", "total_amount": f"{i}.50"},
                }
                for i in range(offset, min(offset + size, n))
            ]
            nxt = offset + size
            return envelope(
                {
                    "orders": orders,
                    "next_page_token": f"p/+{nxt}" if nxt < n else "",
                    "total_count": n,
                }
            )

        fake = FakePlatform(api_handler=api)
        config = dataclasses.replace(CONFIG, page_size=page_size)
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
            client = TikTokShopClient(
                config,
                http,
                MemoryTokenStore(token_set()),
                retry=RetryPolicy.immediate(2),
                clock=lambda: NOW,
            )
            items = await drain(client.orders(SHOP, START, END))
        ids = [i.order_id for i in items if isinstance(i, OrderRecord)]
        assert ids == [str(i) for i in range(n)]
        pages = [i.state["page"] for i in items if isinstance(i, Checkpoint)]
        assert pages == list(range(1, len(pages) + 1))
        assert [i.done for i in items if isinstance(i, Checkpoint)][-1] is True
        assert sum(o.total_amount for o in items if isinstance(o, OrderRecord)) == sum(
            Decimal(f"{i}.50") for i in range(n)
        )
