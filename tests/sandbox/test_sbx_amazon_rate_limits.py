"""Documented rate limits as token buckets per (app, seller, operation), with a time scale."""

from __future__ import annotations

from amazon_client import ANCHOR_TS, Clock, amazon_sandbox
from amazon_flows import iso

QUOTA = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}
ORDERS = {"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": iso(ANCHOR_TS - 86400)}


class TestGetOrdersBucket:
    async def test_burst_then_429_then_refill_at_real_rate(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        async with amazon_sandbox(clock) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            for _ in range(20):
                response = await amz.get(token, "/orders/v0/orders", ORDERS)
                assert response.status_code == 200
                assert response.headers["x-amzn-RateLimit-Limit"] == "0.0167"
            throttled = await amz.get(token, "/orders/v0/orders", ORDERS)
            assert throttled.status_code == 429 and throttled.json() == QUOTA
            assert "x-amzn-RateLimit-Limit" not in throttled.headers
            assert throttled.headers["x-amzn-RequestId"]
            clock.advance(30)
            assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 429
            clock.advance(30)
            assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 200
            assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 429

    async def test_time_scale_multiplies_the_refill(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        async with amazon_sandbox(clock, time_scale=1000) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            for _ in range(20):
                assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 200
            assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 429
            clock.advance(0.061)  # 1 / (0.0167 * 1000) s
            ok = await amz.get(token, "/orders/v0/orders", ORDERS)
            assert ok.status_code == 200 and ok.headers["x-amzn-RateLimit-Limit"] == "16.7"

    async def test_time_scale_is_settable_through_the_control_api(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        async with amazon_sandbox(clock) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            for _ in range(21):
                await amz.get(token, "/orders/v0/orders", ORDERS)
            body = (
                await amz.client.post("/_sandbox/amazon/settings", json={"time_scale": 100})
            ).json()
            assert body == {"time_scale": 100.0}
            clock.advance(0.6)
            assert (await amz.get(token, "/orders/v0/orders", ORDERS)).status_code == 200
            bad = await amz.client.post("/_sandbox/amazon/settings", json={"time_scale": 0})
            assert bad.status_code == 400


class TestBucketKeys:
    async def test_other_sellers_and_operations_keep_their_own_buckets(self) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0)) as amz:
            us = (await amz.login("amazon_us"))["access_token"]
            declining = (await amz.login("amazon_declining"))["access_token"]
            for _ in range(21):
                last = await amz.get(us, "/orders/v0/orders", ORDERS)
            assert last.status_code == 429
            assert (await amz.get(declining, "/orders/v0/orders", ORDERS)).status_code == 200
            assert (await amz.get(us, "/sellers/v1/marketplaceParticipations")).status_code == 200

    async def test_search_orders_has_the_lower_documented_rate(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        async with amazon_sandbox(clock) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            params = {"createdAfter": iso(ANCHOR_TS - 86400)}
            for _ in range(20):
                assert (
                    await amz.get(token, "/orders/2026-01-01/orders", params)
                ).status_code == 200
            assert (await amz.get(token, "/orders/2026-01-01/orders", params)).status_code == 429
            clock.advance(120)
            assert (await amz.get(token, "/orders/2026-01-01/orders", params)).status_code == 429
            clock.advance(60)
            assert (await amz.get(token, "/orders/2026-01-01/orders", params)).status_code == 200


class TestFaults:
    async def test_amazon_faults_inject_errors_and_throttling(self) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0)) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            await amz.client.post(
                "/_sandbox/faults", json={"platform": "amazon", "error_rate": 1.0}
            )
            failed = await amz.get(token, "/orders/v0/orders", ORDERS)
            assert (
                failed.status_code == 503
                and failed.json()["errors"][0]["code"] == "InternalFailure"
            )
            await amz.client.post(
                "/_sandbox/faults", json={"platform": "amazon", "rate_limit_rate": 1.0}
            )
            throttled = await amz.get(token, "/orders/v0/orders", ORDERS)
            assert throttled.status_code == 429 and throttled.json() == QUOTA
