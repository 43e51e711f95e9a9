"""Revenue features: which money counts, monthly net revenue and the tier map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.features.revenue import (
    income_events_usd,
    monthly_net_revenue_usd,
    paid_order_mask,
    revenue_points,
)
from scoring.params import DEFAULT_PARAMS
from scoring.schemas import validate_frames
from scoring.window import ScoringWindow
from tests.scoring.factories import AS_OF, commission, connection, make_frames, order, refund

WINDOW = ScoringWindow.ending_at(AS_OF, 90)
BORROWERS = pd.Index(["b1", "b2"], name="borrower_id")
REVENUE = DEFAULT_PARAMS.revenue


def _monthly(**facts: list[dict[str, object]]) -> pd.Series:
    frames = validate_frames(make_frames([connection("b1"), connection("b2")], **facts))
    events = income_events_usd(frames.orders, frames.returns, frames.commissions, WINDOW, REVENUE)
    return monthly_net_revenue_usd(events, WINDOW, BORROWERS, 30.0)


class TestPaidOrderMask:
    def test_only_paid_non_cancelled_non_sample_orders_count(self) -> None:
        frames = make_frames(
            orders=[
                order("b1", "paid", 5, status="awaiting_fulfillment"),
                order("b1", "unpaid", 5, status="unpaid"),
                order("b1", "cancelled", 5, status="cancelled"),
                order("b1", "sample", 5, is_sample=True),
            ]
        )
        assert paid_order_mask(frames.orders).tolist() == [True, False, False, False]


class TestMonthlyNetRevenueUsd:
    def test_orders_minus_refunds_plus_creator_commissions(self) -> None:
        monthly = _monthly(
            orders=[
                order("b1", "o1", 10, 2000.0),
                order("b1", "o2", 20, 1000.0, status="in_transit"),
                order("b1", "o3", 20, 999.0, status="unpaid"),
                order("b1", "o4", 20, 999.0, status="cancelled"),
                order("b1", "o5", 20, 999.0, is_sample=True),
            ],
            returns=[
                refund("b1", "r1", 5, 300.0),
                refund("b1", "r2", 5, 999.0, status="RETURN_OR_REFUND_REQUEST_PENDING"),
            ],
            commissions=[
                commission("b1", "c1", 5, estimated=100.0, actual=90.0),  # settled: actual
                commission("b1", "c2", 5, estimated=100.0),  # unsettled: 0.5 x estimate
                commission("b1", "c3", 5, estimated=999.0, status="REFUNDED"),
                commission("b1", "c4", 5, estimated=999.0, actual=999.0, role="seller"),
            ],
        )
        assert monthly["b1"] == pytest.approx((3000.0 - 300.0 + 90.0 + 50.0) / 3.0)
        assert monthly["b2"] == 0.0

    def test_facts_outside_the_window_are_ignored(self) -> None:
        monthly = _monthly(
            orders=[
                order("b1", "in", 89.9, 300.0),
                order("b1", "too-old", 90.5, 999.0),
                order("b1", "at-as-of", 0, 999.0),
                order("b1", "after", -3, 999.0),
            ]
        )
        assert monthly["b1"] == pytest.approx(100.0)

    def test_amounts_are_converted_at_their_day(self) -> None:
        monthly = _monthly(orders=[order("b1", "o1", 10, 300.0, currency="GBP")])
        assert 300.0 * 1.1 / 3 < monthly["b1"] < 300.0 * 1.5 / 3

    def test_refunds_can_make_revenue_negative(self) -> None:
        monthly = _monthly(returns=[refund("b1", "r1", 5, 300.0)])
        assert monthly["b1"] == pytest.approx(-100.0)


class TestRevenuePoints:
    @pytest.mark.parametrize(
        ("usd", "points"),
        [
            (-500.0, 0.0),
            (0.0, 0.0),
            (500.0, 20.0),
            (1000.0, 40.0),
            (3000.0, 52.5),
            (5000.0, 65.0),
            (20000.0, 85.0),
            (60000.0, 100.0),
            (1e9, 100.0),
        ],
    )
    def test_tier_anchors_and_interpolation(self, usd: float, points: float) -> None:
        assert revenue_points(pd.Series([usd]), REVENUE).iloc[0] == pytest.approx(points)

    @settings(max_examples=200, deadline=None)
    @given(
        st.floats(min_value=-1e4, max_value=1e5, allow_nan=False),
        st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
    )
    def test_monotone_non_decreasing(self, usd: float, more: float) -> None:
        low, high = revenue_points(pd.Series([usd, usd + more]), REVENUE)
        assert low <= high

    @settings(max_examples=200, deadline=None)
    @given(st.floats(min_value=-1e3, max_value=7e4, allow_nan=False))
    def test_continuous_no_cliffs(self, usd: float) -> None:
        # the steepest segment is 40 points per $1,000, so a cent moves at most 0.0004 points
        low, high = revenue_points(pd.Series([usd, usd + 0.01]), REVENUE)
        assert 0.0 <= high - low <= 0.0004 + 1e-9

    def test_continuous_across_each_tier_boundary(self) -> None:
        anchors = np.array(REVENUE.anchors_usd)
        around = pd.Series(np.concatenate([anchors - 1e-6, anchors, anchors + 1e-6]))
        points = revenue_points(around, REVENUE).to_numpy().reshape(3, -1)
        assert np.allclose(points[0], points[1], atol=1e-6)
        assert np.allclose(points[1], points[2], atol=1e-6)
