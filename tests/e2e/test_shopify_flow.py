"""Shopify from the borrower's install to the lender's read, and a borrower on two platforms.

Uses the pinned harness: the sandbox's data and the service's clock are fixed, so windows and
scores are the same on every run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.connections.token_crypto import read_tokens
from app.db import transaction
from app.models import BusinessConnection, Order, Return
from tests.e2e.conftest import NOW
from tests.e2e.test_tiktok_shop_flow import fact_rows, only_connection
from tests.harness import Harness


async def score_of(harness: Harness, headers: dict[str, str]) -> dict[str, Any]:
    score: dict[str, Any] = (await harness.service.get("/api/score", headers=headers)).json()
    return score


class TestShopifyPull:
    async def test_ninety_days_equal_what_the_store_holds(self, pinned: Harness) -> None:
        headers = await pinned.sign_in("merchant")
        await pinned.connect("shopify_steady", headers)
        connection = await only_connection(pinned, headers)
        assert connection["status"] == "active" and connection["sync_state"] == "complete"
        start, end = int((NOW - timedelta(days=90)).timestamp()), int(NOW.timestamp())
        truth = await pinned.ground_truth("shopify_steady", start, end)

        orders = await fact_rows(pinned, Order)
        assert sorted(r["external_id"] for r in orders) == sorted(truth["order_ids"])
        assert not set(truth["test_order_ids"]) & {r["external_id"] for r in orders}
        total = sum((r["total_amount"] for r in orders), Decimal(0))
        assert total == Decimal(truth["orders"]["total_price"])
        refunds = await fact_rows(pinned, Return)
        assert len(refunds) == truth["refunds"]["count"]
        assert sum((r["refund_amount"] for r in refunds), Decimal(0)) == Decimal(
            truth["refunds"]["amount"]
        )
        assert sum(1 for r in orders if r["status"] == "cancelled") == truth["cancelled"]

    async def test_without_read_all_orders_only_sixty_days_count(self, harness: Harness) -> None:
        # The sandbox hides orders older than 60 days by its own (real) clock, so this test
        # runs on today's data rather than the pinned date.
        full = await harness.sign_in("full")
        await harness.connect("shopify_steady", full)
        limited = await harness.sign_in("limited")
        await harness.connect("shopify_steady", limited, scopes=["read_orders", "read_products"])

        status = (await harness.service.get("/api/shopify/status", headers=limited)).json()
        assert status["visibleDays"] == 60
        connection = await only_connection(harness, limited)
        start, end = (
            datetime.fromisoformat(connection[key])
            for key in ("data_window_start", "data_window_end")
        )
        assert end - start == timedelta(days=60)
        narrow, wide = await score_of(harness, limited), await score_of(harness, full)
        assert narrow["status"] == wide["status"] == "scored"
        order = ["low", "medium", "high"]
        assert order.index(narrow["confidence"]) < order.index(wide["confidence"])
        assert "LIMITED_HISTORY" in [reason["code"] for reason in narrow["reasons"]]
        # 60 days of sales are not read as 90 days with a quiet month
        assert abs(narrow["monthly_revenue_usd"] - wide["monthly_revenue_usd"]) < (
            0.25 * wide["monthly_revenue_usd"]
        )

    async def test_expiring_token_is_refreshed_and_rotated(self, pinned: Harness) -> None:
        headers = await pinned.sign_in("merchant")
        await pinned.connect("shopify_steady", headers)
        connection = await only_connection(pinned, headers)

        async def tokens() -> Any:
            async with transaction(pinned.context.sessions) as session:
                row = await session.get(BusinessConnection, connection["id"])
                assert row is not None
                return read_tokens(pinned.context.keyring, row)

        before = await tokens()
        assert before.refresh_token is not None  # an expiring offline token
        expired = await pinned.platform.post(
            "/_sandbox/shopify/expire-tokens", json={"persona": "shopify_steady"}
        )
        expired.raise_for_status()
        outcome = await pinned.context.jobs.sync_and_score(connection["id"])
        assert outcome.status == "complete"
        after = await tokens()
        assert after.access_token != before.access_token
        assert after.refresh_token not in (None, before.refresh_token)


class TestOneBorrowerTwoPlatforms:
    async def test_one_score_over_tiktok_shop_and_shopify(self, pinned: Harness) -> None:
        alone = {}
        for persona in ("steady_us", "shopify_eu"):
            headers = await pinned.sign_in(f"alone-{persona}")
            await pinned.connect(persona, headers)
            alone[persona] = await score_of(pinned, headers)
        both = await pinned.sign_in("both")
        await pinned.connect("steady_us", both)
        await pinned.connect("shopify_eu", both)

        score = await score_of(pinned, both)
        assert score["status"] == "scored"
        assert sorted(c["platform"] for c in score["connections"]) == ["shopify", "tiktok_shop"]
        assert score["order_count"] == sum(s["order_count"] for s in alone.values())
        combined = sum(s["monthly_revenue_usd"] for s in alone.values())
        assert abs(score["monthly_revenue_usd"] - combined) < 0.01
        assert score["sub_scores"]["revenue"] >= max(
            s["sub_scores"]["revenue"] for s in alone.values()
        )
