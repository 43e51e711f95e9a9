"""Revenue family: what counts as net revenue, the tier map, and payout reconciliation."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import DEFAULT_PARAMS
from scoring.features.revenue import next_tier_usd, revenue_points
from tests.scoring.factories import (
    commission,
    connection,
    make_frames,
    order,
    refund,
    settlement,
    weekly_orders,
)
from tests.scoring.helpers import codes, features, reason, row


class TestNetRevenue:
    def test_completed_orders_minus_refunds_plus_creator_commissions(self) -> None:
        frames = make_frames(
            [connection("b1"), connection("b1", "b1-creator", role="creator")],
            [order("b1", "o1", 10, 600.0), order("b1", "o2", 20, 300.0)],
            [refund("b1", "r1", 5, 90.0)],
            [
                commission("b1", "c1", 30, 100.0, 80.0, connection_id="b1-creator"),
                commission("b1", "c2", 3, 50.0, connection_id="b1-creator"),
            ],
        )
        f = features(frames, "b1")
        # 900 sales - 90 refunds + 80 settled + 50 x 0.6 unsettled, over 3 months
        assert f["monthly_revenue_usd"] == pytest.approx((900 - 90 + 80 + 30) / 3)

    def test_cancelled_unpaid_and_sample_orders_do_not_count(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [
                order("b1", "o1", 10, 300.0),
                order("b1", "o2", 10, 500.0, status="cancelled"),
                order("b1", "o3", 10, 500.0, status="unpaid"),
                order("b1", "o4", 10, 500.0, is_sample=True),
            ],
        )
        assert features(frames, "b1")["sales_usd"] == pytest.approx(300.0)
        assert row(frames, "b1")["order_count"] == 1

    def test_an_order_cancelled_after_as_of_still_counts(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [order("b1", "o1", 10, 300.0, status="cancelled", cancelled_days_ago=-2.0)],
        )
        assert features(frames, "b1")["sales_usd"] == pytest.approx(300.0)

    def test_seller_side_commissions_are_the_shops_expense_and_ignored(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [order("b1", "o1", 10, 300.0)],
            commissions=[commission("b1", "o1", 10, 45.0, 45.0, role="seller")],
        )
        assert features(frames, "b1")["monthly_revenue_usd"] == pytest.approx(100.0)

    def test_void_creator_commissions_earn_nothing(self) -> None:
        frames = make_frames(
            [connection("b1", role="creator")],
            commissions=[commission("b1", "c1", 10, 45.0, status="REFUNDED")],
        )
        assert features(frames, "b1")["commission_usd"] == 0.0

    def test_all_connections_of_a_borrower_count_together(self) -> None:
        frames = make_frames(
            [connection("b1", "shop-a"), connection("b1", "shop-b", platform="shopify")],
            [
                order("b1", "o1", 10, 300.0, connection_id="shop-a"),
                order("b1", "o1", 11, 600.0, connection_id="shop-b"),
            ],
        )
        assert features(frames, "b1")["sales_usd"] == pytest.approx(900.0)

    def test_a_refund_decided_after_as_of_is_still_an_open_request(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [order("b1", "o1", 10, 300.0)],
            [refund("b1", "r1", 5, 100.0, updated_days_ago=-1.0)],
        )
        f = features(frames, "b1")
        assert f["refunds_usd"] == 0.0
        assert f["return_count"] == 1


class TestRevenuePoints:
    def test_tier_anchors_map_continuously_and_monotonically(self) -> None:
        usd = np.linspace(-500.0, 40_000.0, 4001)
        points = revenue_points(usd, DEFAULT_PARAMS)
        assert (np.diff(points) >= 0).all()
        assert np.abs(np.diff(points)).max() < 1.0  # no cliff anywhere
        assert points[0] == 0.0 and points[-1] == 100.0
        assert revenue_points(np.array([1000.0, 5000.0, 20000.0]), DEFAULT_PARAMS).tolist() == [
            40.0,
            70.0,
            100.0,
        ]

    def test_next_tier(self) -> None:
        got = next_tier_usd(np.array([-5.0, 820.0, 1000.0, 7000.0, 25000.0]), DEFAULT_PARAMS)
        assert got.tolist() == [0.0, 1000.0, 5000.0, 20000.0, 20000.0]

    def test_low_revenue_reason_names_the_actual_value(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [189.23] * 13))
        r = row(frames, "b1")
        monthly = r["monthly_revenue_usd"]
        assert reason(r, "REVENUE_LOW")["message"] == (
            f"Monthly revenue ${monthly:,.0f} is below $1,000"
        )

    def test_top_tier_has_no_revenue_reason(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [6000.0] * 13, per_week=3))
        r = row(frames, "b1")
        assert r["revenue"] == 100.0
        assert "REVENUE_LOW" not in codes(r)


class TestReconciliation:
    def _frames(self, paid_out: float) -> list[dict[str, object]]:
        return [settlement("b1", f"s{w}", 7 * w + 1, paid_out, revenue=paid_out) for w in range(12)]

    def test_payouts_matching_orders_raise_nothing(self) -> None:
        frames = make_frames(
            [connection("b1")],
            weekly_orders("b1", [1000.0] * 13, per_week=3),
            settlements=self._frames(1000.0),
        )
        r = row(frames, "b1")
        assert not features(frames, "b1")["reconciliation_gap"]
        assert "RECONCILIATION_GAP" not in codes(r)
        assert r["confidence"] == "high"

    def test_payouts_far_below_orders_lower_confidence_with_a_reason(self) -> None:
        frames = make_frames(
            [connection("b1")],
            weekly_orders("b1", [1000.0] * 13, per_week=3),
            settlements=self._frames(300.0),
        )
        r = row(frames, "b1")
        f = features(frames, "b1")
        assert f["reconciliation_gap"]
        assert r["confidence"] == "medium"
        gap = reason(r, "RECONCILIATION_GAP")
        assert gap["sub_score"] == "evidence"
        assert gap["message"].startswith(f"Payouts of ${f['settled_usd']:,.0f} are ")
        assert "outside ±35%" in gap["message"]

    def test_the_gap_costs_no_points(self) -> None:
        orders = weekly_orders("b1", [1000.0] * 13, per_week=3)
        low = row(make_frames([connection("b1")], orders, settlements=self._frames(300.0)), "b1")
        fine = row(make_frames([connection("b1")], orders, settlements=self._frames(1000.0)), "b1")
        assert low["composite"] == fine["composite"]

    def test_a_shop_without_payouts_is_not_compared(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [1000.0] * 13))
        f = features(frames, "b1")
        assert np.isnan(f["settled_ratio"])
        assert f["unreconciled"]
