"""Growth family: net revenue of the window's second half against its first half.

relative change = (late - early) / |early|; when ``early`` is 0 it is the sign of ``late``
(+1 from nothing to something, 0 when both halves are empty, -1 into losses). Points =
``neutral_points + span_points x clip(change, -max_change, max_change) / max_change``; with the
v0 parameters that is ``50 + 50 x clip(change, -1, 1)``, so an empty window scores 50.
Dividing by ``|early|`` keeps the change increasing in ``late`` even when ``early`` is negative
(refunds exceeding sales).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.params import GrowthParams
from scoring.window import ScoringWindow

__all__ = ["growth_points", "half_window_revenue_usd", "revenue_change"]


def half_window_revenue_usd(
    events: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index
) -> pd.DataFrame:
    """Net USD revenue per borrower in the first (``early``) and second (``late``) half of the
    window, split at its midpoint (45 days each for 90). 0 without events."""
    half = np.where(events["created_at"] < window.midpoint, "early", "late")
    sums = events.assign(half=half).pivot_table(
        index="borrower_id", columns="half", values="amount_usd", aggfunc="sum", fill_value=0.0
    )
    return sums.reindex(index=borrowers, columns=["early", "late"], fill_value=0.0).astype(
        "float64"
    )


def revenue_change(early: pd.Series[float], late: pd.Series[float]) -> pd.Series[float]:
    """Relative change from ``early`` to ``late`` (unitless; 0.25 = +25 %), see module doc."""
    base = early.abs()
    change = (late - early) / base.where(base > 0.0)
    sign = (late > 0.0).astype("float64") - (late < 0.0).astype("float64")
    return change.fillna(sign).astype("float64")


def growth_points(change: pd.Series[float], params: GrowthParams) -> pd.Series[float]:
    """Growth sub-score in points, centred on ``neutral_points`` for no change."""
    clipped = change.clip(-params.max_change, params.max_change) / params.max_change
    return (params.neutral_points + params.span_points * clipped).astype("float64")
