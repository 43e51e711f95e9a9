"""Limited visibility: days a platform does not show are never read as days without sales.

A Shopify store without ``read_all_orders`` shows 60 days; its connection says so with
``visible_days`` and a ``data_start`` 60 days back. Monthly revenue, the weekly and monthly
consistency measures and the growth trends are all taken over the covered days only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_PARAMS, Frames, borrower_features, score_frames
from scoring.coverage import borrower_span, connection_span, week_coverage
from scoring.features.growth import theil_sen_change
from scoring.window import ScoringWindow
from tests.scoring.factories import AS_OF, at, commission, connection, make_frames, order, refund
from tests.scoring.helpers import codes, features, reason, row

WINDOW = ScoringWindow.ending_at(AS_OF, DEFAULT_PARAMS.window)
DAY = pd.Timedelta(days=1).value


def daily_orders(
    borrower_id: str,
    days: int,
    amount: float | list[float] = 100.0,
    *,
    connection_id: str | None = None,
    prefix: str = "d",
) -> list[dict[str, Any]]:
    """One order a day for the last ``days`` days (``amount`` per day, or per day oldest first
    when a list), each at midday of its day."""
    amounts = amount if isinstance(amount, list) else [amount] * days
    return [
        order(
            borrower_id,
            f"{prefix}{d}",
            days - d - 0.5,
            amounts[d],
            connection_id=connection_id,
        )
        for d in range(days)
    ]


def shop(borrower_id: str, days: int, **kw: Any) -> dict[str, Any]:
    """A connection whose platform shows ``days`` days (None = unlimited when 90)."""
    visible = None if days >= 90 else days
    return connection(borrower_id, data_days=float(days), visible_days=visible, **kw)


def weekly_pattern(days: int) -> list[float]:
    """Daily sales with a weekly cycle, aligned on days back from as-of. Every full week sums to
    700; the oldest week of the window lacks its last weekday, whose 100 is the mean of the six
    others; each 30-day month has four full weeks plus two days summing to 200. So every week
    and month of the same daily sales looks the same whether 60 or 90 days are visible."""
    cycle = [40.0, 160.0, 80.0, 120.0, 90.0, 110.0, 100.0]
    return [cycle[(days - 1 - d) % 7] for d in range(days)]


class TestSixtyVisibleDaysAgainstNinety:
    """The same store, the same daily sales: seen for 60 days or for 90."""

    def _pair(self, amounts: list[float]) -> tuple[pd.Series, pd.Series]:
        wide = daily_orders("wide", 90, amounts)
        narrow = daily_orders("narrow", 60, amounts[-60:])
        frames = make_frames([shop("wide", 90), shop("narrow", 60)], wide + narrow)
        f = borrower_features(frames, AS_OF)
        return f.loc["narrow"], f.loc["wide"]

    def test_uniform_sales_give_the_same_monthly_revenue(self) -> None:
        narrow, wide = self._pair([100.0] * 90)
        assert wide["monthly_revenue_usd"] == pytest.approx(3000.0, abs=0.005)
        assert narrow["monthly_revenue_usd"] == pytest.approx(3000.0, abs=0.005)

    def test_a_weekly_cycle_gives_the_same_revenue_consistency_and_growth(self) -> None:
        narrow, wide = self._pair(weekly_pattern(90))
        assert wide["monthly_revenue_usd"] == pytest.approx(3000.0, abs=0.005)
        assert narrow["monthly_revenue_usd"] == pytest.approx(3000.0, abs=0.005)
        assert narrow["active_weeks_component"] == wide["active_weeks_component"] == 1.0
        assert narrow["weekly_cv"] == pytest.approx(wide["weekly_cv"], abs=1e-9)
        assert narrow["monthly_drop"] == pytest.approx(wide["monthly_drop"], abs=1e-9)
        assert narrow["revenue_change"] == pytest.approx(wide["revenue_change"], abs=1e-9)
        assert narrow["order_change"] == pytest.approx(wide["order_change"], abs=1e-9)
        for sub in ("revenue", "consistency", "growth", "reliability", "composite"):
            assert narrow[sub] == pytest.approx(wide[sub], abs=0.05), sub

    def test_a_steady_rise_gives_nearly_the_same_growth(self) -> None:
        # +0.5 USD a day: the slope is the same on both spans; the level of the last 60 days is
        # a little higher, so the relative change is a little lower.
        narrow, wide = self._pair([100.0 + 0.5 * d for d in range(90)])
        assert wide["revenue_change"] > 0.25
        assert narrow["revenue_change"] == pytest.approx(wide["revenue_change"], rel=0.1)
        assert narrow["growth"] == pytest.approx(wide["growth"], abs=2.0)

    def test_random_daily_sales_give_close_consistency(self) -> None:
        # Growth is not compared here: a trend of pure noise fitted on 8 weeks is noisier than
        # on 13, so only trends that are really there (above) agree.
        amounts = np.random.default_rng(5).uniform(50.0, 150.0, 90).round(2).tolist()
        narrow, wide = self._pair(amounts)
        assert narrow["monthly_revenue_usd"] == pytest.approx(
            30.0 * float(np.mean(amounts[-60:])), abs=0.01
        )
        assert narrow["active_weeks_component"] == wide["active_weeks_component"] == 1.0
        assert narrow["weekly_cv"] == pytest.approx(wide["weekly_cv"], abs=0.02)
        assert narrow["consistency"] == pytest.approx(wide["consistency"], abs=3.0)

    def test_the_hidden_weeks_are_not_quiet_weeks(self) -> None:
        frames = make_frames([shop("b1", 60)], daily_orders("b1", 60))
        f = features(frames, "b1")
        # 8 whole weeks are visible; the 9th shows 4 of its 7 days and does not count.
        assert f["covered_weeks"] == 8
        assert f["active_weeks"] == 8
        assert f["active_weeks_component"] == 1.0
        assert f["weekly_cv"] == pytest.approx(0.0, abs=1e-12)
        r = row(frames, "b1")
        assert "FEW_ACTIVE_WEEKS" not in codes(r)
        assert "LIMITED_HISTORY" in codes(r)
        assert r["confidence"] != "high"

    def test_few_active_weeks_are_counted_among_the_visible_weeks(self) -> None:
        orders = [
            order("b1", f"o{w}-{k}", 7 * w + 1 + k, 5000.0) for w in (0, 1, 2, 4, 5) for k in (0, 1)
        ]
        r = row(make_frames([shop("b1", 60)], orders), "b1")
        assert reason(r, "FEW_ACTIVE_WEEKS")["message"] == "Sales in only 5 of the last 8 weeks"


class TestSeveralConnections:
    def test_each_platform_adds_its_own_monthly_rate(self) -> None:
        frames = make_frames(
            [
                connection("b1", "b1-tiktok"),
                shop("b1", 60, connection_id="b1-shopify", platform="shopify"),
            ],
            daily_orders("b1", 90, 100.0, connection_id="b1-tiktok", prefix="t")
            + daily_orders("b1", 60, 50.0, connection_id="b1-shopify", prefix="s"),
        )
        f = features(frames, "b1")
        assert f["monthly_revenue_usd"] == pytest.approx(3000.0 + 1500.0, abs=0.01)
        assert f["sales_usd"] == pytest.approx(9000.0 + 3000.0)

    def test_refunds_and_commissions_count_on_their_own_connection(self) -> None:
        frames = make_frames(
            [
                connection("b1", "b1-tiktok", role="creator"),
                shop("b1", 60, connection_id="b1-shopify", platform="shopify"),
            ],
            daily_orders("b1", 60, 100.0, connection_id="b1-shopify"),
            [refund("b1", "r1", 10, 600.0, connection_id="b1-shopify")],
            [commission("b1", "c1", 80, 900.0, 900.0, connection_id="b1-tiktok")],
        )
        # Shopify: (6000 - 600) over 2 months; TikTok commissions: 900 over 3 months.
        got = features(frames, "b1")["monthly_revenue_usd"]
        assert got == pytest.approx(2700.0 + 300.0, abs=0.01)

    def test_only_weeks_every_connection_covers_count(self) -> None:
        frames = make_frames(
            [
                connection("b1", "b1-tiktok"),
                shop("b1", 60, connection_id="b1-shopify", platform="shopify"),
            ],
            daily_orders("b1", 90, 100.0, connection_id="b1-tiktok", prefix="t")
            + daily_orders("b1", 60, 50.0, connection_id="b1-shopify", prefix="s"),
        )
        f = features(frames, "b1")
        # Older weeks show TikTok's sales without Shopify's: not a drop, so not compared.
        assert f["covered_weeks"] == 8
        assert f["weekly_cv"] == pytest.approx(0.0, abs=1e-12)
        assert f["monthly_drop"] == pytest.approx(0.0, abs=1e-12)
        assert f["revenue_change"] == pytest.approx(0.0, abs=1e-12)


class TestCoverageEdges:
    def test_a_pull_ending_hours_before_as_of_covers_the_whole_window(self) -> None:
        frames = make_frames(
            [connection("b1", data_end_days_ago=0.25, data_days=90.25)],
            [order("b1", f"o{d}", d + 0.5, 100.0) for d in range(90)],
        )
        f = features(frames, "b1")
        assert f["monthly_revenue_usd"] == pytest.approx(3000.0)
        assert f["covered_weeks"] == 13

    def test_facts_before_the_covered_span_do_not_count(self) -> None:
        # An old order stored before the visible span: its days are not covered, so adding it
        # would raise the rate of the 60 covered days.
        frames = make_frames(
            [shop("b1", 60)], [*daily_orders("b1", 60), order("b1", "old", 75, 5000.0)]
        )
        assert features(frames, "b1")["monthly_revenue_usd"] == pytest.approx(3000.0, abs=0.01)

    def test_a_connection_covering_almost_nothing_is_still_a_clean_score(self) -> None:
        frames = make_frames(
            [
                connection("b1", data_days=0.0, visible_days=1),
                connection("b2", data_days=1.0, visible_days=1),
            ],
            [order("b2", "o1", 0.5, 40.0)],
        )
        scores = score_frames(frames, AS_OF).set_index("borrower_id")
        assert (scores["status"] == "scored").all()
        for column in ("composite", "revenue", "consistency", "growth", "monthly_revenue_usd"):
            assert scores[column].notna().all(), column
        assert scores.loc["b1", "monthly_revenue_usd"] == 0.0
        assert scores.loc["b2", "monthly_revenue_usd"] == pytest.approx(1200.0)
        assert features(frames, "b2")["covered_weeks"] == 0

    def test_connection_span_reaches_as_of_within_the_tolerance_and_clips(self) -> None:
        starts = np.array([at(90.05), at(89.5), at(60), at(200), at(60)])
        ends = np.array([at(0.1), at(-1), at(0.0), at(150), at(5)])
        start, end = connection_span(
            np.array([t.value for t in starts]), np.array([t.value for t in ends]), WINDOW
        )
        assert ((end - start) / DAY).tolist() == [90.0, 89.5, 60.0, 0.0, 55.0]

    def test_week_coverage_of_a_full_window_is_the_old_week_scale(self) -> None:
        span = borrower_span(
            np.array([WINDOW.start_ns]), np.array([WINDOW.end_ns]), np.array([0]), 1
        )
        counted, scale = week_coverage(span, WINDOW)
        assert counted.all()
        assert scale[0].tolist() == WINDOW.week_scale[::-1].tolist()

    def test_theil_sen_ignores_weeks_not_counted(self) -> None:
        line = 100.0 + 10.0 * np.arange(13.0)
        counted = np.arange(13) >= 5
        hidden = np.where(counted, line, 0.0)[None, :]
        # slope 10 per week x 12 weeks / mean of the last 8 weeks (185)
        got = theil_sen_change(hidden, counted[None, :])[0]
        assert got == pytest.approx(120.0 / 185.0)
        too_short = np.arange(13) >= 11
        assert np.isnan(theil_sen_change(hidden, too_short[None, :])[0])


class TestMonthlyRevenueIgnoresVisibility:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        visible=st.integers(min_value=30, max_value=90),
        daily=st.floats(min_value=1.0, max_value=2000.0, allow_nan=False),
    )
    def test_uniform_daily_sales_give_the_same_monthly_revenue(
        self, visible: int, daily: float
    ) -> None:
        frames: Frames = make_frames([shop("b1", visible)], daily_orders("b1", visible, daily))
        f = features(frames, "b1")
        assert f["monthly_revenue_usd"] == pytest.approx(30.0 * daily, abs=0.005)
        assert f["active_weeks_component"] == 1.0
        assert f["weekly_cv"] == pytest.approx(0.0, abs=1e-9)
        assert f["revenue_change"] == pytest.approx(0.0, abs=1e-9)
