"""Reason codes: a fixed taxonomy, ranked by points lost, specific and true for the borrower."""

from __future__ import annotations

import numpy as np
import pandera.errors
import pytest

from scoring import DEFAULT_PARAMS, borrower_features, score_frames
from scoring.reasons import CODES, pct, taxonomy, usd
from scoring.schemas import REASON_SUB_SCORES, ScoreFrame
from tests.scoring.factories import (
    AS_OF,
    connection,
    health,
    make_frames,
    order,
    refund,
    weekly_orders,
)


def _troubled() -> tuple[list[dict[str, object]], ...]:
    orders = weekly_orders("b1", np.linspace(900, 200, 13), per_week=3)
    orders += [order("b1", f"x{i}", 4 + i, 50.0, status="cancelled") for i in range(6)]
    returns = [refund("b1", f"r{i}", 2 + i, 20.0) for i in range(8)]
    return orders, returns


class TestTaxonomy:
    def test_codes_are_unique_and_name_a_known_sub_score(self) -> None:
        reasons = taxonomy(DEFAULT_PARAMS)
        assert len(CODES) == len(set(CODES)) == len(reasons)
        assert {r.sub_score for r in reasons} <= set(REASON_SUB_SCORES)

    def test_formatting(self) -> None:
        assert usd(820.4) == "$820"
        assert usd(-1250.0) == "-$1,250"
        assert pct(0.124) == "12.4%"


class TestReasonsContract:
    @pytest.mark.parametrize(
        "bad",
        [
            "REVENUE_LOW",
            [{"code": "REVENUE_LOW"}],
            [{"code": "X", "sub_score": "luck", "points_lost": 1.0, "message": "m"}],
            [{"code": "X", "sub_score": "revenue", "points_lost": 1, "message": "m"}],
            [{"code": "X", "sub_score": "revenue", "points_lost": 1.0, "message": "m"}] * 9,
        ],
    )
    def test_the_score_frame_refuses_reasons_of_another_shape(self, bad: object) -> None:
        frames = make_frames([connection("b1"), connection("b2")], [order("b1", "o1", 3, 40.0)])
        scores = score_frames(frames, AS_OF)
        scores.at[1, "reasons"] = bad
        with pytest.raises(pandera.errors.SchemaError, match="reasons must be a list"):
            ScoreFrame.validate(scores)


class TestRanking:
    def test_at_most_four_ranked_by_points_lost(self) -> None:
        orders, returns = _troubled()
        frames = make_frames([connection("b1", shop_age_days=60.0)], orders, returns)
        reasons = score_frames(frames, AS_OF).iloc[0]["reasons"]
        assert len(reasons) == 4
        lost = [r["points_lost"] for r in reasons]
        assert lost == sorted(lost, reverse=True)
        assert all(r["points_lost"] >= DEFAULT_PARAMS.reasons.min_points_lost for r in reasons)
        assert set(reasons[0]) == {"code", "sub_score", "points_lost", "message"}

    def test_points_lost_of_a_sub_score_never_exceed_what_it_lost(self) -> None:
        orders, returns = _troubled()
        frames = make_frames(
            [connection("b1", shop_age_days=60.0, seller_type="CROSS_BORDER")],
            orders,
            returns,
            shop_health=[health("b1", rating=3.5, violations=2, on_time=0.85)],
        )
        scores = score_frames(frames, AS_OF).iloc[0]
        weights = DEFAULT_PARAMS.weights.as_dict()
        for sub, weight in weights.items():
            named = sum(r["points_lost"] for r in scores["reasons"] if r["sub_score"] == sub)
            assert named <= weight * (100.0 - scores[sub]) + 0.06

    def test_every_message_uses_the_borrowers_own_values(self) -> None:
        orders, returns = _troubled()
        frames = make_frames([connection("b1")], orders, returns)
        f = borrower_features(frames, AS_OF).loc["b1"]
        messages = {r["code"]: r["message"] for r in score_frames(frames, AS_OF).iloc[0]["reasons"]}
        assert messages["REVENUE_LOW"] == (
            f"Monthly revenue {usd(f['monthly_revenue_usd'])} is below {usd(f['next_tier_usd'])}"
        )
        assert messages["RETURN_RATE_HIGH"] == f"Return rate {pct(f['return_rate'])} is above 5%"

    def test_a_strong_borrower_has_no_reason_that_is_not_true(self) -> None:
        frames = make_frames(
            [connection("b1", seller_type="LOCAL")],
            weekly_orders("b1", np.linspace(20000, 26000, 13), per_week=4),
            shop_health=[health("b1", rating=4.9, violations=0, on_time=0.99)],
        )
        reasons = score_frames(frames, AS_OF).iloc[0]["reasons"]
        assert "REVENUE_LOW" not in [r["code"] for r in reasons]
        assert "RETURN_RATE_HIGH" not in [r["code"] for r in reasons]

    @pytest.mark.parametrize("borrowers", [1, 7])
    def test_reasons_do_not_depend_on_the_other_borrowers(self, borrowers: int) -> None:
        orders, returns = _troubled()
        others = [connection(f"z{i}") for i in range(borrowers - 1)]
        other_orders = [order(f"z{i}", "o", 3, 10.0 * (i + 1)) for i in range(borrowers - 1)]
        alone = score_frames(make_frames([connection("b1")], orders, returns), AS_OF)
        crowd = score_frames(
            make_frames([connection("b1"), *others], orders + other_orders, returns), AS_OF
        )
        assert crowd.set_index("borrower_id").loc["b1", "reasons"] == alone.iloc[0]["reasons"]
