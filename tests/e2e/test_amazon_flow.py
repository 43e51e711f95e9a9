"""Amazon from Seller Central consent to the lender's read; verified order numbers on Amazon and
TikTok Shop; a borrower selling on three platforms gets one score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.models import Order, Settlement
from tests.e2e.test_tiktok_shop_flow import fact_rows, only_connection, unix
from tests.harness import Harness, state_of


async def older_than_window(harness: Harness, persona: str, key: str) -> list[str]:
    """Order ids the platform holds from before the pulled window (so not counted yet)."""
    start = int((datetime.now(UTC) - timedelta(days=95)).timestamp())
    truth = await harness.ground_truth(persona, 0, start)
    ids: list[str] = truth[key]
    return ids


async def verify(harness: Harness, headers: dict[str, str], path: str, number: str) -> Any:
    return await harness.service.post(path, json={"orderNumber": number}, headers=headers)


class TestAmazonConnect:
    async def test_pull_equals_what_amazon_holds(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        landing = await harness.connect("amazon_eu", headers)
        assert landing.headers["location"] == "/dashboard?amazon_connected=true"
        connection = await only_connection(harness, headers)
        assert connection["status"] == "active" and connection["sync_state"] == "complete"
        assert connection["region"] == "EU"
        assert {m["currency"] for m in connection["metrics"]["marketplaces"]} == {"EUR", "GBP"}
        expires = datetime.fromisoformat(connection["authorization_expires_at"])
        assert timedelta(days=364) < expires - datetime.now(UTC) <= timedelta(days=365)
        assert connection["reauthorize_soon"] is False
        progress = connection["sync_progress"]
        assert set(progress) == {"orders", "transactions"}
        assert progress["orders"]["done"] is True and progress["orders"]["pages"] >= 1

        start, end = unix(connection["data_window_start"]), unix(connection["data_window_end"])
        truth = await harness.ground_truth("amazon_eu", start, end)
        orders = await fact_rows(harness, Order)
        assert sorted(r["external_id"] for r in orders) == sorted(truth["order_ids"])
        counted = [r for r in orders if r["status"] not in ("cancelled", "unpaid")]
        for currency, total in truth["orders"]["total_by_currency"].items():
            got = sum((r["total_amount"] for r in counted if r["currency"] == currency), Decimal(0))
            assert got == Decimal(total), currency
        assert len(await fact_rows(harness, Settlement)) == truth["transactions"]["count"]
        score = (await harness.service.get("/api/score", headers=headers)).json()
        assert score["status"] == "scored"

    async def test_tampered_or_foreign_state_is_rejected(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        mallory = await harness.sign_in("mallory")
        url = (await harness.service.get("/api/amazon/auth", headers=alice)).json()["authUrl"]
        assert "application_id=" in url
        callback = await harness.consent("amazon_us", state_of(url))
        stolen = await harness.follow_callback(callback, mallory)
        assert "amazon_error=invalid_state" in stolen.headers["location"]
        forged = callback.replace("state=", "state=x")
        assert (
            "amazon_error=invalid_state"
            in (await harness.follow_callback(forged, alice)).headers["location"]
        )
        denied = await harness.service.get(
            "/api/amazon/callback?error=access_denied&state=s", headers=alice
        )
        assert "amazon_error=auth_denied" in denied.headers["location"]

    async def test_unknown_region_is_refused(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.get(
            "/api/amazon/auth", params={"region": "XX"}, headers=headers
        )
        assert response.status_code == 422


class TestVerifiedOrders:
    async def test_amazon_order_counts_once_and_only_if_real(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        await harness.connect("amazon_us", headers)
        path = "/api/amazon/orders/verify"
        real = (await older_than_window(harness, "amazon_us", "order_ids"))[0]
        cancelled = (await older_than_window(harness, "amazon_us", "canceled_order_ids"))[0]
        foreign = (await older_than_window(harness, "amazon_eu", "order_ids"))[0]

        accepted = await verify(harness, headers, path, real)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["verified"] is True
        assert accepted.json()["orderNumber"] == real
        assert (await verify(harness, headers, path, real)).status_code == 409
        for refused in ("999-0000000-0000000", foreign, cancelled):
            response = await verify(harness, headers, path, refused)
            assert response.status_code == 422, refused
        assert (await verify(harness, headers, path, "not a number!")).status_code == 422

    async def test_tiktok_shop_order_counts_once(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        await harness.connect("steady_us", headers)
        path = "/api/tiktokshop/orders/verify"
        real = (await older_than_window(harness, "steady_us", "order_ids"))[-1]
        foreign = (await older_than_window(harness, "gb_seller", "order_ids"))[-1]
        assert (await verify(harness, headers, path, real)).status_code == 200
        assert (await verify(harness, headers, path, real)).status_code == 409
        assert (await verify(harness, headers, path, foreign)).status_code == 422

    async def test_verification_needs_a_connected_seller(self, harness: Harness) -> None:
        headers = await harness.sign_in("nobody")
        response = await verify(harness, headers, "/api/amazon/orders/verify", "111-1111111-1")
        assert response.status_code == 404


class TestThreePlatforms:
    async def test_one_score_over_tiktok_shopify_and_amazon(self, pinned: Harness) -> None:
        alone = {}
        for persona in ("steady_us", "shopify_eu", "amazon_us"):
            headers = await pinned.sign_in(f"alone-{persona}")
            await pinned.connect(persona, headers)
            alone[persona] = (await pinned.service.get("/api/score", headers=headers)).json()
        everywhere = await pinned.sign_in("everywhere")
        for persona in alone:
            await pinned.connect(persona, everywhere)
        score = (await pinned.service.get("/api/score", headers=everywhere)).json()
        assert score["status"] == "scored"
        platforms = sorted(c["platform"] for c in score["connections"])
        assert platforms == ["amazon", "shopify", "tiktok_shop"]
        assert score["order_count"] == sum(s["order_count"] for s in alone.values())
        combined = sum(s["monthly_revenue_usd"] for s in alone.values())
        assert abs(score["monthly_revenue_usd"] - combined) < 0.01
