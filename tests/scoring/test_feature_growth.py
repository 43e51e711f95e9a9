"""Growth features: revenue of the window's halves and the change between them."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.features.growth import growth_points, half_window_revenue_usd, revenue_change
from scoring.features.revenue import income_events_usd
from scoring.params import DEFAULT_PARAMS
from scoring.schemas import validate_frames
from scoring.window import ScoringWindow
from tests.scoring.factories import AS_OF, connection, make_frames, order

WINDOW = ScoringWindow.ending_at(AS_OF, 90)
BORROWERS = pd.Index(["b1", "b2"], name="borrower_id")


class TestHalfWindowRevenueUsd:
    def test_splits_at_45_days(self) -> None:
        frames = validate_frames(
            make_frames(
                [connection("b1"), connection("b2")],
                orders=[
                    order("b1", "early", 45.01, 100.0),
                    order("b1", "late", 45.0, 250.0),
                ],
            )
        )
        events = income_events_usd(
            frames.orders, frames.returns, frames.commissions, WINDOW, DEFAULT_PARAMS.revenue
        )
        halves = half_window_revenue_usd(events, WINDOW, BORROWERS)
        assert halves.loc["b1"].to_dict() == {"early": 100.0, "late": 250.0}
        assert halves.loc["b2"].to_dict() == {"early": 0.0, "late": 0.0}


class TestRevenueChange:
    @pytest.mark.parametrize(
        ("early", "late", "change"),
        [
            (1000.0, 1500.0, 0.5),
            (1000.0, 0.0, -1.0),
            (1000.0, 3000.0, 2.0),
            (0.0, 0.0, 0.0),
            (0.0, 10.0, 1.0),
            (0.0, -10.0, -1.0),
            (-100.0, 100.0, 2.0),
        ],
    )
    def test_relative_change(self, early: float, late: float, change: float) -> None:
        assert revenue_change(pd.Series([early]), pd.Series([late])).iloc[0] == change


class TestGrowthPoints:
    @pytest.mark.parametrize(
        ("change", "points"), [(-5.0, 0.0), (-1.0, 0.0), (0.0, 50.0), (0.5, 75.0), (2.0, 100.0)]
    )
    def test_fifty_plus_fifty_times_clipped_change(self, change: float, points: float) -> None:
        assert growth_points(pd.Series([change]), DEFAULT_PARAMS.growth).iloc[0] == points
