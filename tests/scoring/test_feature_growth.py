"""Growth family: Theil–Sen trends, the capped-then-tapered map, like-with-like commissions."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import DEFAULT_PARAMS
from scoring.features.growth import growth_points, theil_sen_change
from tests.scoring.factories import commission, connection, make_frames, weekly_orders
from tests.scoring.helpers import codes, features, reason, row


class TestTheilSen:
    def test_a_straight_line_gives_its_exact_relative_change(self) -> None:
        series = np.array([[100.0 + 10.0 * w for w in range(13)]])
        # slope 10 per week x 12 weeks / mean 160
        assert theil_sen_change(series)[0] == pytest.approx(120.0 / 160.0)

    def test_one_freak_week_barely_moves_the_trend(self) -> None:
        flat = np.full((1, 13), 100.0)
        spiked = flat.copy()
        spiked[0, 12] = 5000.0
        assert theil_sen_change(flat)[0] == 0.0
        assert abs(theil_sen_change(spiked)[0]) < 0.05

    def test_rows_are_independent_and_empty_rows_are_unknown(self) -> None:
        series = np.vstack([np.linspace(200.0, 100.0, 13), np.zeros(13)])
        got = theil_sen_change(series)
        assert got[0] < 0
        assert np.isnan(got[1])

    def test_many_borrowers_in_one_call(self) -> None:
        rng = np.random.default_rng(1)
        series = rng.uniform(0, 100, (250_001, 13))
        got = theil_sen_change(series)
        assert got.shape == (250_001,)
        assert got[-1] == pytest.approx(theil_sen_change(series[-1:])[0])


class TestGrowthMap:
    def test_rewarded_up_to_the_cap_then_tapered(self) -> None:
        change = np.array([-0.5, 0.0, 0.2, 0.5, 1.0, 3.0, 10.0])
        points = growth_points(change, DEFAULT_PARAMS)
        assert points.argmax() == 3  # +50 %
        assert points[3] == 100.0
        assert points[4] < points[3] and points[5] < points[4]
        assert points[0] < points[1] < points[2]
        assert points[-1] == points[-2] == 60.0


class TestGrowthScores:
    def test_a_declining_seller_gets_the_decline_reason_with_its_value(self) -> None:
        frames = make_frames(
            [connection("b1")], weekly_orders("b1", np.linspace(2000, 500, 13), per_week=3)
        )
        r = row(frames, "b1")
        f = features(frames, "b1")
        assert f["revenue_change"] < -0.5
        message = reason(r, "REVENUE_DECLINING")["message"]
        assert message == (
            f"Weekly revenue trend fell {100 * -f['revenue_change']:.1f}% over the 90-day window"
        )
        assert codes(r)[0] in {"REVENUE_DECLINING", "REVENUE_LOW"}

    def test_a_dip_inside_the_noise_band_is_not_called_a_decline(self) -> None:
        frames = make_frames(
            [connection("b1")], weekly_orders("b1", np.linspace(1050, 950, 13), per_week=3)
        )
        f = features(frames, "b1")
        assert -0.15 < f["revenue_change"] < 0.0
        found = codes(row(frames, "b1"))
        assert not any(c.endswith("_DECLINING") for c in found)
        assert "REVENUE_GROWTH_MODEST" in found

    def test_extreme_growth_scores_below_strong_growth(self) -> None:
        strong = make_frames(
            [connection("b1")], weekly_orders("b1", np.linspace(800, 1200, 13), per_week=2)
        )
        extreme = make_frames(
            [connection("b1")], weekly_orders("b1", np.linspace(100, 1900, 13), per_week=2)
        )
        assert features(extreme, "b1")["revenue_change"] > 1.0
        assert features(extreme, "b1")["growth"] < features(strong, "b1")["growth"]
        assert "REVENUE_GROWTH_EXTREME" in codes(row(extreme, "b1"))

    def test_unsettled_recent_commissions_do_not_look_like_a_decline(self) -> None:
        # The same estimate every week; old weeks settled at the estimate, the last 3 not yet.
        rows = [
            commission("b1", f"c{w}-{k}", 1 + 7 * w + k, 40.0, 40.0 if w >= 3 else None)
            for w in range(13)
            for k in range(2)
        ]
        frames = make_frames([connection("b1", role="creator")], commissions=rows)
        f = features(frames, "b1")
        assert f["affiliate_change"] == pytest.approx(0.0, abs=1e-9)
        assert f["revenue_change"] == pytest.approx(0.0, abs=1e-9)
        assert not any(c.endswith("_DECLINING") for c in codes(row(frames, "b1")))

    def test_too_few_sales_have_no_trend_and_score_neutral(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [100.0] * 5))
        f = features(frames, "b1")
        assert np.isnan(f["revenue_change"])
        assert f["growth"] == pytest.approx(75.0)
        assert reason(row(frames, "b1"), "NO_TREND")["message"] == (
            "Only 5 sales in the 90-day window, too few to show a trend (at least 8)"
        )
