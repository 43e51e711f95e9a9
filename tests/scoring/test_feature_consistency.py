"""Consistency features: active weeks, weekly income variation and their points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.features.consistency import (
    active_week_count,
    consistency_points,
    weekly_income_cv,
    weekly_income_usd,
)
from scoring.features.revenue import income_events_usd
from scoring.params import DEFAULT_PARAMS
from scoring.schemas import validate_frames
from scoring.window import ScoringWindow
from tests.scoring.factories import AS_OF, commission, connection, make_frames, weekly_orders

WINDOW = ScoringWindow.ending_at(AS_OF, 90)
BORROWERS = pd.Index(["b1", "b2"], name="borrower_id")


def _events(**facts: list[dict[str, object]]) -> pd.DataFrame:
    frames = validate_frames(make_frames([connection("b1"), connection("b2")], **facts))
    return income_events_usd(
        frames.orders, frames.returns, frames.commissions, WINDOW, DEFAULT_PARAMS.revenue
    )


class TestWeeks:
    def test_a_ninety_day_window_has_thirteen_weeks(self) -> None:
        assert WINDOW.week_count(7) == 13

    def test_weekly_orders_land_in_consecutive_weeks(self) -> None:
        weekly = weekly_income_usd(
            _events(orders=weekly_orders("b1", range(1, 14))), WINDOW, BORROWERS, 7
        )
        assert list(weekly.columns) == list(range(13))
        assert weekly.loc["b1"].tolist() == [float(v) for v in range(1, 14)]
        assert weekly.loc["b2"].tolist() == [0.0] * 13


class TestActiveWeekCount:
    def test_counts_weeks_with_a_sale(self) -> None:
        amounts = [100.0, 0.0, 100.0, 0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0]
        orders = [o for o in weekly_orders("b1", amounts) if o["total_amount"] > 0]
        active = active_week_count(_events(orders=orders), WINDOW, BORROWERS, 7)
        assert active.to_dict() == {"b1": 4, "b2": 0}

    def test_creator_commissions_are_sales(self) -> None:
        events = _events(commissions=[commission("b2", "c1", 5, 10.0, 9.0)])
        assert active_week_count(events, WINDOW, BORROWERS, 7)["b2"] == 1


class TestWeeklyIncomeCv:
    def test_steady_income_has_zero_cv(self) -> None:
        weekly = pd.DataFrame([[50.0] * 13])
        assert weekly_income_cv(weekly).iloc[0] == 0.0

    def test_one_busy_week_has_high_cv(self) -> None:
        weekly = pd.DataFrame([[130.0] + [0.0] * 12])
        assert weekly_income_cv(weekly).iloc[0] == pytest.approx(np.sqrt(12.0))

    def test_no_income_is_infinitely_unstable(self) -> None:
        assert weekly_income_cv(pd.DataFrame([[0.0] * 13])).iloc[0] == np.inf


class TestConsistencyPoints:
    params = DEFAULT_PARAMS.consistency

    def test_every_week_steady_is_100(self) -> None:
        points = consistency_points(pd.Series([13]), 13, pd.Series([0.0]), self.params)
        assert points.iloc[0] == pytest.approx(100.0)

    def test_nothing_is_0(self) -> None:
        points = consistency_points(pd.Series([0]), 13, pd.Series([np.inf]), self.params)
        assert points.iloc[0] == 0.0

    def test_blend_of_share_and_stability(self) -> None:
        points = consistency_points(pd.Series([6]), 13, pd.Series([0.5]), self.params)
        assert points.iloc[0] == pytest.approx(100 * (0.6 * 6 / 13 + 0.4 * 0.5))
