"""AmazonClient against a scripted fake SP-API: throttling, 429 backoff, tokens, paging, order()."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from amazon_fakes import (
    CONFIG,
    EXPIRED,
    NOW,
    QUOTA,
    REVOKED,
    SELLER,
    FakeSpApi,
    Harness,
    amazon_error,
    build,
    tokens,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.amazon_sp_api import AmazonConfig, RatePlan
from connectors.core.errors import Fatal, NeedsReauth, RateLimited
from connectors.core.records import Checkpoint, OrderRecord, Quarantined, SettlementRecord

US = "ATVPDKIKX0DER"
START = NOW - timedelta(days=90)
Make = Callable[..., Harness]


def v0_order(i: int, status: str = "Shipped") -> dict[str, Any]:
    raw: dict[str, Any] = {
        "AmazonOrderId": f"111-{i:07d}-0000001",
        "PurchaseDate": "2026-09-01T10:00:00Z",
        "LastUpdateDate": "2026-09-02T10:00:00Z",
        "OrderStatus": status,
        "MarketplaceId": US,
        "NumberOfItemsShipped": 1,
        "NumberOfItemsUnshipped": 0,
        "BuyerInfo": {"BuyerEmail": f"buyer{i}@marketplace.amazon.com"},
    }
    if status != "Pending":
        raw["OrderTotal"] = {"CurrencyCode": "USD", "Amount": f"{i}.50"}
    return raw


def v2026_order(i: int) -> dict[str, Any]:
    return {
        "orderId": f"111-{i:07d}-0000001",
        "createdTime": "2026-09-01T10:00:00Z",
        "lastUpdatedTime": "2026-09-02T10:00:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": US},
        "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
        "proceeds": {"grandTotal": {"amount": f"{i}.50", "currencyCode": "USD"}},
        "orderItems": [{"orderItemId": "1", "quantityOrdered": 2}],
    }


def paged(
    n: int, page_size: int, *, v0: bool, rate_header: str | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """A fake orders endpoint over ``n`` orders, ``page_size`` per page."""

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        token = params.get("NextToken" if v0 else "paginationToken")
        offset = int(token.removeprefix("tok-")) if token else 0
        end = offset + page_size
        make = v0_order if v0 else v2026_order
        orders = [make(i) for i in range(offset, min(end, n))]
        more = f"tok-{end}" if end < n else None
        headers = {"x-amzn-RateLimit-Limit": rate_header} if rate_header else {}
        if v0:
            payload: dict[str, Any] = {"Orders": orders}
            if more:
                payload["NextToken"] = more
            return httpx.Response(200, json={"payload": payload}, headers=headers)
        body: dict[str, Any] = {"orders": orders}
        if more:
            body["pagination"] = {"nextToken": more}
        return httpx.Response(200, json=body, headers=headers)

    return handler


async def collect(stream: Any) -> list[Any]:
    return [item async for item in stream]


class TestOrdersRequests:
    async def test_search_orders_asks_no_buyer_data_and_repeats_the_query(
        self, harness: Make
    ) -> None:
        h = harness(FakeSpApi(handler=paged(3, 2, v0=False)))
        items = await collect(h.client.orders([US, "A2EUQ1WTGCTBG2"], START, NOW))
        api_calls = [r for r in h.api.requests if r.url.host == "na.test"]
        assert len(api_calls) == 2
        first, second = (dict(r.url.params) for r in api_calls)
        assert first["includedData"] == "FULFILLMENT,PROCEEDS"
        assert "BUYER" not in first["includedData"] and "RECIPIENT" not in first["includedData"]
        assert first["marketplaceIds"] == f"{US},A2EUQ1WTGCTBG2"
        assert first["createdAfter"] == "2026-08-03T12:00:00Z"
        # the before-date is moved at least 2 minutes into the past
        assert first["createdBefore"] == "2026-11-01T11:57:30Z"
        assert {k: v for k, v in second.items() if k != "paginationToken"} == first
        assert second["paginationToken"] == "tok-2"
        assert api_calls[0].headers["x-amz-access-token"] == "Atza|A1"
        orders = [i for i in items if isinstance(i, OrderRecord)]
        assert [o.total_amount for o in orders] == [
            Decimal("0.50"),
            Decimal("1.50"),
            Decimal("2.50"),
        ]
        assert orders[0].item_count == 2

    async def test_v0_uses_next_token_and_drops_buyer_info(self, harness: Make) -> None:
        config = dataclasses.replace(CONFIG, orders_api="v0")
        h = harness(FakeSpApi(handler=paged(3, 2, v0=True)), config=config)
        items = await collect(h.client.orders([US], START, NOW, by="updated"))
        params = [dict(r.url.params) for r in h.api.requests]
        assert params[0]["MarketplaceIds"] == US
        assert "LastUpdatedAfter" in params[0] and "CreatedAfter" not in params[0]
        assert params[1]["NextToken"] == "tok-2"
        orders = [i for i in items if isinstance(i, OrderRecord)]
        assert len(orders) == 3
        assert "@marketplace.amazon.com" not in repr(orders)

    async def test_window_entirely_in_the_last_minutes_asks_nothing(self, harness: Make) -> None:
        h = harness(FakeSpApi(handler=paged(3, 2, v0=False)))
        items = await collect(h.client.orders([US], NOW - timedelta(minutes=1), NOW))
        assert h.api.requests == []
        assert items == [
            Checkpoint("orders", {"query": items[0].state["query"], "window": None}, done=True)
        ]

    async def test_bad_record_is_quarantined_and_the_pull_goes_on(self, harness: Make) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            broken = v2026_order(1)
            broken["fulfillment"] = {"fulfillmentStatus": "SHIPPED"}
            del broken["proceeds"]
            return httpx.Response(200, json={"orders": [v2026_order(0), broken, v2026_order(2)]})

        h = harness(FakeSpApi(handler=handler))
        items = await collect(h.client.orders([US], START, NOW))
        assert [type(i).__name__ for i in items] == [
            "OrderRecord",
            "Quarantined",
            "OrderRecord",
            "Checkpoint",
        ]
        quarantined = items[1]
        assert isinstance(quarantined, Quarantined) and quarantined.raw_id == "111-0000001-0000001"

    async def test_empty_marketplace_list_refused(self, harness: Make) -> None:
        h = harness()
        with pytest.raises(ValueError, match="marketplace"):
            h.client.orders([], START, NOW)

    async def test_invalid_input_is_fatal(self, harness: Make) -> None:
        h = harness(FakeSpApi(handler=lambda r: amazon_error(400, "InvalidInput", "Invalid Input")))
        with pytest.raises(Fatal, match="InvalidInput"):
            await collect(h.client.orders([US], START, NOW))


class TestPagingProperty:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        n=st.integers(min_value=0, max_value=40),
        page_size=st.integers(min_value=1, max_value=9),
        v0=st.booleans(),
        resume_after=st.integers(min_value=0, max_value=10),
    )
    async def test_every_order_exactly_once_checkpoints_monotone_and_resumable(
        self, n: int, page_size: int, v0: bool, resume_after: int
    ) -> None:
        config = dataclasses.replace(
            CONFIG, orders_api="v0" if v0 else "2026-01-01", orders_page_size=page_size
        )
        h = build(FakeSpApi(handler=paged(n, page_size, v0=v0)), config=config)
        try:
            items = await collect(h.client.orders([US], START, NOW))
            ids = [i.order_id for i in items if isinstance(i, OrderRecord)]
            assert sorted(ids) == sorted({v0_order(i)["AmazonOrderId"] for i in range(n)})
            assert len(ids) == len(set(ids))
            checkpoints = [i for i in items if isinstance(i, Checkpoint)]
            pages = [c.state["page"] for c in checkpoints]
            assert pages == sorted(pages) and len(set(pages)) == len(pages)
            assert [c.done for c in checkpoints] == [False] * (len(checkpoints) - 1) + [True]
            assert items[-1] is checkpoints[-1]

            # resume from a checkpoint: exactly the orders after it, once
            cut = min(resume_after, len(checkpoints) - 1)
            state = checkpoints[cut].state
            seen_before = 0
            for item in items:
                if item is checkpoints[cut]:
                    break
                seen_before += isinstance(item, OrderRecord)
            later = NOW + timedelta(hours=3)  # resuming later keeps the stored window
            h.clock.now = later
            rest = await collect(h.client.orders([US], START, later, state))
            rest_ids = [i.order_id for i in rest if isinstance(i, OrderRecord)]
            if checkpoints[cut].done:
                assert len(rest_ids) == n  # a finished window starts over
            else:
                assert rest_ids == ids[seen_before:]
        finally:
            await h.http.aclose()


class TestThrottling:
    async def test_burst_then_one_request_per_refill_interval(self, harness: Make) -> None:
        config = dataclasses.replace(
            CONFIG, orders_page_size=1, rate_overrides={"searchOrders": RatePlan(0.5, 3)}
        )
        h = harness(FakeSpApi(handler=paged(6, 1, v0=False)), config=config)
        await collect(h.client.orders([US], START, NOW))
        # three from the burst, then one every 2 s
        assert h.clock.sleeps == [pytest.approx(2.0)] * 3

    async def test_rate_limit_header_adjusts_the_rate(self, harness: Make) -> None:
        config = dataclasses.replace(
            CONFIG, orders_page_size=1, rate_overrides={"searchOrders": RatePlan(10.0, 1)}
        )

        handler = paged(3, 1, v0=False, rate_header="0.25")
        h = harness(FakeSpApi(handler=handler), config=config)
        await collect(h.client.orders([US], START, NOW))
        assert h.clock.sleeps == [pytest.approx(4.0), pytest.approx(4.0)]

    async def test_buckets_are_per_operation(self, harness: Make) -> None:
        config = dataclasses.replace(
            CONFIG,
            rate_overrides={"searchOrders": RatePlan(0.01, 1), "getOrder": RatePlan(0.01, 1)},
        )

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/orders"):
                return httpx.Response(200, json={"orders": []})
            return httpx.Response(200, json={"order": v2026_order(5)})

        h = harness(FakeSpApi(handler=handler), config=config)
        await collect(h.client.orders([US], START, NOW))
        assert await h.client.order("111-0000005-0000001") is not None
        assert h.clock.sleeps == []

    async def test_429_backs_off_and_the_sync_goes_on(self, harness: Make) -> None:
        answers = iter([QUOTA, QUOTA, QUOTA])
        inner = paged(2, 5, v0=False)

        def handler(request: httpx.Request) -> httpx.Response:
            return next(answers, None) or inner(request)

        h = harness(FakeSpApi(handler=handler))
        items = await collect(h.client.orders([US], START, NOW))
        assert len([i for i in items if isinstance(i, OrderRecord)]) == 2
        refill = 1 / 0.0056
        # each 429 empties the bucket: the n-th consecutive one waits refill * 2**(n-1),
        # each wait capped at 300 s
        assert h.clock.sleeps == [pytest.approx(refill), pytest.approx(refill), 300.0]
        assert h.client.throttle.waited_s == pytest.approx(sum(h.clock.sleeps))

    async def test_endless_429_gives_up_after_the_bounded_wait(self, harness: Make) -> None:
        config = dataclasses.replace(CONFIG, max_throttle_wait_s=600.0)
        h = harness(FakeSpApi(handler=lambda r: QUOTA), config=config)
        with pytest.raises(RateLimited) as caught:
            await collect(h.client.orders([US], START, NOW))
        assert caught.value.retry_after == pytest.approx(1 / 0.0056)
        assert sum(h.clock.sleeps) <= 600.0


class TestTokens:
    async def test_expired_access_token_is_refreshed_once_and_retried(self, harness: Make) -> None:
        h = harness(FakeSpApi(handler=paged(1, 5, v0=False), valid_tokens={"Atza|other"}))
        items = await collect(h.client.orders([US], START, NOW))
        assert len([i for i in items if isinstance(i, OrderRecord)]) == 1
        assert h.client.refresh_count == 1
        saved = h.store.history[-1]
        assert saved.access_token == "Atza|A2"
        # the identity and the yearly deadline survive the refresh
        assert saved.account_id == SELLER
        assert saved.refresh_expires_at == tokens().refresh_expires_at

    async def test_clock_expired_token_is_refreshed_before_calling(self, harness: Make) -> None:
        api = FakeSpApi(handler=paged(1, 5, v0=False), valid_tokens={"Atza|A2"})
        h = harness(api, token_set=tokens(expires=NOW - timedelta(minutes=1)))
        await collect(h.client.orders([US], START, NOW))
        assert h.client.refresh_count == 1
        assert [r.url.host for r in api.requests] == ["lwa.test", "na.test"]

    async def test_revoked_token_needs_reauth(self, harness: Make) -> None:
        h = harness(FakeSpApi(handler=lambda r: REVOKED))
        with pytest.raises(NeedsReauth, match="authorize again"):
            await collect(h.client.orders([US], START, NOW))
        assert h.client.refresh_count == 0

    async def test_token_still_expired_after_refresh_needs_reauth(self, harness: Make) -> None:
        h = harness(FakeSpApi(handler=lambda r: EXPIRED))
        with pytest.raises(NeedsReauth, match="freshly refreshed"):
            await collect(h.client.orders([US], START, NOW))
        assert h.client.refresh_count == 1

    async def test_refresh_refused_needs_reauth(self, harness: Make) -> None:
        api = FakeSpApi(
            handler=paged(1, 5, v0=False),
            valid_tokens=set(),
            lwa=lambda r: httpx.Response(
                400, json={"error": "invalid_grant", "error_description": "revoked"}
            ),
        )
        h = harness(api)
        with pytest.raises(NeedsReauth, match="revoked or did not renew"):
            await collect(h.client.orders([US], START, NOW))

    async def test_yearly_authorization_expired_needs_reauth_without_calling(
        self, harness: Make
    ) -> None:
        api = FakeSpApi(handler=paged(1, 5, v0=False))
        h = harness(api, token_set=tokens(refresh_expires=NOW - timedelta(days=1)))
        with pytest.raises(NeedsReauth, match="365 days"):
            await collect(h.client.orders([US], START, NOW))
        assert api.requests == []

    async def test_tokens_of_another_seller_are_refused(self, harness: Make) -> None:
        api = FakeSpApi(handler=paged(1, 5, v0=False))
        h = harness(api, token_set=tokens(account_id="AOTHERSELLER"))
        with pytest.raises(Fatal, match="another seller"):
            await collect(h.client.orders([US], START, NOW))
        assert api.requests == []


class TestOrderLookup:
    @pytest.mark.parametrize("api", ["2026-01-01", "v0"])
    async def test_found(self, harness: Make, api: str) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if api == "v0":
                assert request.url.path == "/orders/v0/orders/111-0000007-0000001"
                return httpx.Response(200, json={"payload": v0_order(7)})
            assert request.url.params["includedData"] == "FULFILLMENT,PROCEEDS"
            return httpx.Response(200, json={"order": v2026_order(7)})

        config = dataclasses.replace(CONFIG, orders_api=api)  # type: ignore[arg-type]
        h = harness(FakeSpApi(handler=handler), config=config)
        record = await h.client.order("111-0000007-0000001")
        assert record is not None
        assert (record.order_id, record.total_amount, record.shop_id) == (
            "111-0000007-0000001",
            Decimal("7.50"),
            SELLER,
        )

    @pytest.mark.parametrize(
        "answer",
        [
            amazon_error(404, "NotFound", "Order not found"),
            amazon_error(400, "InvalidInput", "Invalid Input"),
            httpx.Response(200, json={"payload": {}}),
            httpx.Response(200, json={"order": {}}),
        ],
        ids=["404", "400-invalid", "empty-v0-payload", "empty-order"],
    )
    async def test_not_found_or_not_this_sellers_is_none(
        self, harness: Make, answer: httpx.Response
    ) -> None:
        h = harness(FakeSpApi(handler=lambda r: answer))
        assert await h.client.order("111-0000007-0000001") is None

    async def test_a_different_order_in_the_answer_is_none(self, harness: Make) -> None:
        h = harness(
            FakeSpApi(handler=lambda r: httpx.Response(200, json={"order": v2026_order(8)}))
        )
        assert await h.client.order("111-0000007-0000001") is None

    @pytest.mark.parametrize("bad", ["", "../../sellers/v1/x", "a b", "x" * 100, "1?x=2"])
    async def test_garbage_ids_never_reach_amazon(self, harness: Make, bad: str) -> None:
        api = FakeSpApi(handler=lambda r: httpx.Response(200, json={"order": v2026_order(1)}))
        h = harness(api)
        assert await h.client.order(bad) is None
        assert api.requests == []


class TestFinances:
    async def test_transactions_page_and_map(self, harness: Make) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.url.path == "/finances/2024-06-19/transactions"
            token = request.url.params.get("nextToken")
            tx = {
                "transactionId": f"T{token or 0}",
                "postedDate": "2026-10-01T00:00:00Z",
                "totalAmount": {"currencyCode": "USD", "currencyAmount": 12.34},
            }
            payload: dict[str, Any] = {"transactions": [tx]}
            if not token:
                payload["nextToken"] = "1"
            return httpx.Response(200, json={"payload": payload})

        h = harness(FakeSpApi(handler=handler))
        items = await collect(h.client.transactions(START, NOW))
        records = [i for i in items if isinstance(i, SettlementRecord)]
        assert [(r.statement_id, r.settlement_amount) for r in records] == [
            ("T0", Decimal("12.34")),
            ("T1", Decimal("12.34")),
        ]
        assert isinstance(items[-1], Checkpoint) and items[-1].done

    async def test_window_over_180_days_refused(self, harness: Make) -> None:
        h = harness()
        with pytest.raises(ValueError, match="180"):
            h.client.transactions(NOW - timedelta(days=181), NOW)

    async def test_event_groups(self, harness: Make) -> None:
        group = {
            "FinancialEventGroupId": "G1",
            "ProcessingStatus": "Closed",
            "FundTransferStatus": "Succeeded",
            "OriginalTotal": {"CurrencyCode": "EUR", "CurrencyAmount": 100.25},
            "FundTransferDate": "2026-10-03T00:00:00Z",
            "FinancialEventGroupStart": "2026-09-19T00:00:00Z",
        }
        h = harness(
            FakeSpApi(
                handler=lambda r: httpx.Response(
                    200, json={"payload": {"FinancialEventGroupList": [group]}}
                )
            ),
            region="EU",
        )
        items = await collect(h.client.financial_event_groups(START, NOW))
        record = items[0]
        assert isinstance(record, SettlementRecord)
        assert (record.settlement_amount, record.currency) == (Decimal("100.25"), "EUR")
        assert h.api.requests[0].url.host == "eu.test"


class TestMarketplaces:
    async def test_participations(self, harness: Make) -> None:
        body = {
            "payload": [
                {
                    "marketplace": {"id": US, "countryCode": "US", "defaultCurrencyCode": "USD"},
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                }
            ]
        }
        h = harness(FakeSpApi(handler=lambda r: httpx.Response(200, json=body)))
        found = await h.client.marketplaces()
        assert [(m.marketplace_id, m.currency) for m in found] == [(US, "USD")]
        assert h.api.requests[0].url.path == "/sellers/v1/marketplaceParticipations"


def test_unknown_region_refused() -> None:
    with pytest.raises(ValueError, match="region"):
        AmazonConfig.for_sandbox("http://x").base_url("XX")
