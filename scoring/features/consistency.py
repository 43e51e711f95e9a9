"""Consistency family: how evenly a borrower sells across the weeks of the window.

The window is cut into ``ceil(days / week_days)`` weeks from its start (13 for 90 days; the last
week is 6 days long, a bias v0 accepts). Two measures, blended by weights from the params:

* active-week share: weeks with at least one sale (paid order or earning creator commission)
  divided by the number of weeks;
* stability: ``1 - min(CV, max_cv) / max_cv``, where CV is the coefficient of variation
  (population standard deviation / mean) of weekly gross income in USD over all weeks, quiet
  weeks counting as 0. Refunds are left out so that a refund cannot make a week "negative".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.params import ConsistencyParams
from scoring.window import ScoringWindow

__all__ = [
    "active_week_count",
    "consistency_points",
    "weekly_income_cv",
    "weekly_income_usd",
]

_SALE_KINDS = ("order", "commission")


def _sales(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["kind"].isin(_SALE_KINDS)]


def weekly_income_usd(
    events: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index, week_days: int
) -> pd.DataFrame:
    """Gross USD income per borrower (rows) and week number (columns ``0..weeks-1``), 0-filled."""
    sales = _sales(events)
    weeks = window.week_count(week_days)
    table = sales.assign(week=window.week_of(sales["created_at"], week_days)).pivot_table(
        index="borrower_id", columns="week", values="amount_usd", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(index=borrowers, columns=range(weeks), fill_value=0.0).astype("float64")


def active_week_count(
    events: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index, week_days: int
) -> pd.Series[int]:
    """Number of weeks with at least one sale, per borrower (0 without sales)."""
    sales = _sales(events)
    counts = (
        sales.assign(week=window.week_of(sales["created_at"], week_days))
        .groupby("borrower_id", sort=True)["week"]
        .nunique()
    )
    return counts.reindex(borrowers, fill_value=0).astype("int64")


def weekly_income_cv(weekly: pd.DataFrame) -> pd.Series[float]:
    """Coefficient of variation of weekly income per borrower (unitless, >= 0).

    ``inf`` when mean weekly income is not positive (no income at all counts as maximally
    unstable; the points cap it).
    """
    mean = weekly.mean(axis=1)
    std = weekly.std(axis=1, ddof=0)
    cv = (std / mean.where(mean > 0.0)).fillna(np.inf)
    return cv.astype("float64")


def consistency_points(
    active_weeks: pd.Series[int], weeks: int, cv: pd.Series[float], params: ConsistencyParams
) -> pd.Series[float]:
    """Consistency sub-score in points [0, 100].

    ``100 x (active_weeks_weight x active_weeks / weeks
    + stability_weight x (1 - min(cv, max_cv) / max_cv))``.
    """
    share = (active_weeks / weeks).clip(0.0, 1.0)
    stability = 1.0 - cv.clip(lower=0.0, upper=params.max_cv) / params.max_cv
    points = 100.0 * (params.active_weeks_weight * share + params.stability_weight * stability)
    return points.clip(0.0, 100.0).astype("float64")
