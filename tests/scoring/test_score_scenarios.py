"""Whole-borrower scenarios: the score tells apart the sellers a lender would tell apart."""

from __future__ import annotations

import numpy as np

from scoring.model import score_frames
from tests.scoring.factories import (
    AS_OF,
    commission,
    connection,
    make_frames,
    order,
    refund,
    weekly_orders,
)


def _codes(reasons: list[dict[str, str]]) -> list[str]:
    return [r["code"] for r in reasons]


class TestGrowthScenarios:
    def test_growing_beats_steady_beats_declining(self) -> None:
        frames = make_frames(
            [connection("steady"), connection("growing"), connection("declining")],
            weekly_orders("steady", [2000.0] * 13, prefix="s")
            + weekly_orders("growing", np.linspace(500.0, 3500.0, 13), prefix="g")
            + weekly_orders("declining", np.linspace(3500.0, 500.0, 13), prefix="d"),
        )
        scores = score_frames(frames, AS_OF).set_index("borrower_id")
        growth = scores["growth"]
        assert growth["growing"] > growth["steady"] > growth["declining"]
        assert 40.0 <= growth["steady"] <= 60.0
        assert "GROWTH_NEGATIVE" in _codes(scores.loc["declining", "reasons"])
        assert "GROWTH_NEGATIVE" not in _codes(scores.loc["growing", "reasons"])


class TestReliabilityScenarios:
    def test_high_return_seller_gets_the_return_rate_reason(self) -> None:
        orders = weekly_orders("returns", [3000.0] * 13) + weekly_orders(
            "clean", [3000.0] * 13, prefix="c"
        )
        returns = [refund("returns", f"r{i}", 3 + 7 * i, 500.0) for i in range(4)]
        frames = make_frames([connection("returns"), connection("clean")], orders, returns)
        scores = score_frames(frames, AS_OF).set_index("borrower_id")
        assert scores.loc["returns", "reliability"] < scores.loc["clean", "reliability"]
        reasons = scores.loc["returns", "reasons"]
        assert _codes(reasons)[0] == "RETURN_RATE_HIGH"
        assert reasons[0]["message"] == "Return rate 30.8% is above 10%"
        assert reasons[0]["sub_score"] == "reliability"
        assert scores.loc["clean", "reasons"] == []


class TestRevenueScenarios:
    def test_bigger_steady_seller_scores_higher(self) -> None:
        frames = make_frames(
            [connection("small"), connection("big")],
            weekly_orders("small", [200.0] * 13, prefix="s")
            + weekly_orders("big", [5000.0] * 13, prefix="b"),
        )
        scores = score_frames(frames, AS_OF).set_index("borrower_id")
        assert scores.loc["big", "revenue"] > scores.loc["small", "revenue"]
        assert scores.loc["big", "composite"] > scores.loc["small", "composite"]
        assert "REVENUE_LOW" in _codes(scores.loc["small", "reasons"])

    def test_vietnamese_seller_is_scored_in_usd(self) -> None:
        frames = make_frames(
            [connection("vn", currency="VND", region="VN")],
            weekly_orders("vn", [26_300_000.0] * 13, currency="VND"),
        )
        row = score_frames(frames, AS_OF).iloc[0]
        assert abs(row["monthly_revenue_usd"] - 13 * 1000.0 / 3) < 1.0

    def test_creator_without_orders_is_scored_on_commissions(self) -> None:
        commissions = [commission("creator", f"c{i}", 3 + 7 * i, 800.0, 700.0) for i in range(13)]
        frames = make_frames([connection("creator", role="creator")], commissions=commissions)
        row = score_frames(frames, AS_OF).iloc[0]
        assert abs(row["monthly_revenue_usd"] - 13 * 700.0 / 3) < 0.01
        assert row["consistency"] == 100.0
        assert row["reliability"] == 50.0
        assert row["order_count"] == 0

    def test_samples_and_unpaid_orders_earn_nothing(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [
                order("b1", "sample", 5, 5000.0, is_sample=True),
                order("b1", "unpaid", 5, 5000.0, status="unpaid"),
            ],
        )
        row = score_frames(frames, AS_OF).iloc[0]
        assert row["monthly_revenue_usd"] == 0.0
        assert row["revenue"] == 0.0
