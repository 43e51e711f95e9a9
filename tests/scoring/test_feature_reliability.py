"""Reliability features: return and cancellation rates and their penalties."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.features.reliability import (
    cancellation_rate,
    order_counts,
    reliability_points,
    return_count,
    return_rate,
)
from scoring.params import DEFAULT_PARAMS
from scoring.schemas import validate_frames
from scoring.window import ScoringWindow
from tests.scoring.factories import AS_OF, connection, make_frames, order, refund

WINDOW = ScoringWindow.ending_at(AS_OF, 90)
BORROWERS = pd.Index(["b1", "b2"], name="borrower_id")
PARAMS = DEFAULT_PARAMS.reliability


class TestCounts:
    def test_order_counts_by_kind(self) -> None:
        frames = validate_frames(
            make_frames(
                [connection("b1"), connection("b2")],
                orders=[
                    order("b1", "o1", 5),
                    order("b1", "o2", 5, status="cancelled"),
                    order("b1", "o3", 5, status="unpaid"),
                    order("b1", "o4", 5, is_sample=True),
                    order("b1", "old", 95),
                ],
            )
        )
        counts = order_counts(frames.orders, WINDOW, BORROWERS)
        assert counts.loc["b1"].to_dict() == {
            "all_orders": 4,
            "paid_orders": 1,
            "cancelled_orders": 1,
        }
        assert counts.loc["b2"].tolist() == [0, 0, 0]

    def test_withdrawn_and_rejected_returns_do_not_count(self) -> None:
        frames = validate_frames(
            make_frames(
                [connection("b1"), connection("b2")],
                returns=[
                    refund("b1", "r1", 5, status="RETURN_OR_REFUND_REQUEST_PENDING"),
                    refund("b1", "r2", 5),
                    refund("b1", "r3", 5, status="RETURN_OR_REFUND_REQUEST_CANCEL"),
                    refund("b1", "r4", 5, status="REFUND_OR_RETURN_REQUEST_REJECT"),
                ],
            )
        )
        assert return_count(frames.returns, WINDOW, BORROWERS, PARAMS).to_dict() == {
            "b1": 2,
            "b2": 0,
        }


class TestRates:
    def test_return_rate_is_returns_per_paid_order_capped_at_one(self) -> None:
        rate = return_rate(pd.Series([10, 5, 3, 0]), pd.Series([100, 2, 0, 0]))
        assert rate.tolist() == [0.1, 1.0, 1.0, 0.0]

    def test_cancellation_rate_is_cancelled_per_order(self) -> None:
        rate = cancellation_rate(pd.Series([5, 0]), pd.Series([20, 0]))
        assert rate.tolist() == [0.25, 0.0]


class TestReliabilityPoints:
    def test_penalties_are_proportional(self) -> None:
        points = reliability_points(
            pd.Series([0.10, 0.0]), pd.Series([0.0, 0.05]), pd.Series([10, 10]), PARAMS
        )
        assert points.tolist() == pytest.approx([80.0, 90.0])

    def test_clipped_at_zero(self) -> None:
        points = reliability_points(pd.Series([0.6]), pd.Series([0.3]), pd.Series([5]), PARAMS)
        assert points.iloc[0] == 0.0

    def test_no_orders_is_neutral(self) -> None:
        points = reliability_points(pd.Series([0.0]), pd.Series([0.0]), pd.Series([0]), PARAMS)
        assert points.iloc[0] == 50.0
