"""v0 reason codes: why a borrower lost points, in words a lender can read.

Each code fires on a threshold from ``[reasons]`` in the params and carries the borrower's own
numbers. Its weight is the composite points it explains (sub-score weight x sub-score points
lost to that cause); a borrower's reasons are ranked by that, largest first (ties by code), and
at most ``max_reasons`` are kept.

| code                    | sub-score   | fires when                                      |
|-------------------------|-------------|-------------------------------------------------|
| REVENUE_LOW             | revenue     | monthly revenue < revenue_low_usd               |
| FEW_ACTIVE_WEEKS        | consistency | weeks with a sale < few_active_weeks            |
| REVENUE_VOLATILE        | consistency | some sales and weekly CV > revenue_volatile_cv  |
| RETURN_RATE_HIGH        | reliability | return rate > return_rate_high                  |
| CANCELLATION_RATE_HIGH  | reliability | cancellation rate > cancellation_rate_high      |
| NO_ORDERS               | reliability | no orders in the window (reliability neutral)   |
| GROWTH_NEGATIVE         | growth      | relative change < growth_negative_below         |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scoring.params import Params

__all__ = ["FEATURE_COLUMNS", "reason_lists", "usd"]

#: Columns :func:`reason_lists` reads from the per-borrower feature frame.
FEATURE_COLUMNS = (
    "monthly_revenue_usd",
    "revenue",
    "active_weeks",
    "weekly_cv",
    "return_rate",
    "cancellation_rate",
    "all_orders",
    "revenue_change",
    "growth",
)


def usd(amount: float) -> str:
    """Whole dollars with thousands separators: ``-$1,250``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.0f}"


def _pct(rate: float) -> str:
    return f"{100.0 * rate:.1f}%"


def _limit_pct(rate: float) -> str:
    return f"{100.0 * rate:g}%"


_Message = Callable[[pd.Series], str]


def _candidates(
    f: pd.DataFrame, weeks: int, half_days: float, p: Params
) -> list[tuple[str, str, pd.Series, pd.Series, _Message]]:
    """(code, sub_score, fires, points lost, message) for every v0 reason code."""
    w, r, c, rel = p.weights, p.reasons, p.consistency, p.reliability
    share_lost = 1.0 - f["active_weeks"] / weeks
    cv_lost = f["weekly_cv"].clip(upper=c.max_cv) / c.max_cv
    half = f"{half_days:g}"
    return [
        (
            "REVENUE_LOW",
            "revenue",
            f["monthly_revenue_usd"] < r.revenue_low_usd,
            w.revenue * (100.0 - f["revenue"]),
            lambda x: (
                f"Monthly revenue {usd(x['monthly_revenue_usd'])} is below {usd(r.revenue_low_usd)}"
            ),
        ),
        (
            "FEW_ACTIVE_WEEKS",
            "consistency",
            f["active_weeks"] < r.few_active_weeks,
            w.consistency * 100.0 * c.active_weeks_weight * share_lost,
            lambda x: (
                f"Sales in {int(x['active_weeks'])} of {weeks} weeks, "
                f"fewer than {r.few_active_weeks}"
            ),
        ),
        (
            "REVENUE_VOLATILE",
            "consistency",
            (f["active_weeks"] > 0) & (f["weekly_cv"] > r.revenue_volatile_cv),
            w.consistency * 100.0 * c.stability_weight * cv_lost,
            lambda x: (
                f"Weekly revenue varies by {_pct(x['weekly_cv'])} of its mean, "
                f"above {_limit_pct(r.revenue_volatile_cv)}"
            ),
        ),
        (
            "RETURN_RATE_HIGH",
            "reliability",
            (f["all_orders"] > 0) & (f["return_rate"] > r.return_rate_high),
            w.reliability * (rel.return_rate_penalty * f["return_rate"]).clip(upper=100.0),
            lambda x: (
                f"Return rate {_pct(x['return_rate'])} is above {_limit_pct(r.return_rate_high)}"
            ),
        ),
        (
            "CANCELLATION_RATE_HIGH",
            "reliability",
            (f["all_orders"] > 0) & (f["cancellation_rate"] > r.cancellation_rate_high),
            w.reliability
            * (rel.cancellation_rate_penalty * f["cancellation_rate"]).clip(upper=100.0),
            lambda x: (
                f"Cancellation rate {_pct(x['cancellation_rate'])} is above "
                f"{_limit_pct(r.cancellation_rate_high)}"
            ),
        ),
        (
            "NO_ORDERS",
            "reliability",
            f["all_orders"] == 0,
            pd.Series(w.reliability * (100.0 - rel.no_orders_points), index=f.index),
            lambda x: (
                f"No orders in the {2 * half_days:g}-day window; reliability is set to "
                f"{rel.no_orders_points:g}"
            ),
        ),
        (
            "GROWTH_NEGATIVE",
            "growth",
            f["revenue_change"] < r.growth_negative_below,
            w.growth * (100.0 - f["growth"]),
            lambda x: (
                f"Revenue in the last {half} days is {_pct(-x['revenue_change'])} below "
                f"the previous {half} days"
            ),
        ),
    ]


def reason_lists(f: pd.DataFrame, weeks: int, half_days: float, params: Params) -> pd.Series:
    """Per borrower (``f``'s index), the list of ``{"code", "sub_score", "message"}`` dicts.

    ``f`` holds :data:`FEATURE_COLUMNS` per borrower; sub-score columns are unrounded points.
    Borrowers without any reason get an empty list.
    """
    rows: list[pd.DataFrame] = []
    for code, sub_score, fires, lost, message in _candidates(f, weeks, half_days, params):
        hit = f[fires & (lost > 0.0)]
        if hit.empty:
            continue
        rows.append(
            pd.DataFrame(
                {
                    "borrower_id": hit.index.to_numpy(),
                    "code": code,
                    "sub_score": sub_score,
                    "lost": lost[hit.index].to_numpy(dtype="float64"),
                    "message": [message(x) for _, x in hit.iterrows()],
                }
            )
        )
    records: dict[Any, list[dict[str, str]]] = {}
    if rows and params.reasons.max_reasons > 0:
        ranked = (
            pd.concat(rows, ignore_index=True)
            .assign(neg_lost=lambda d: -np.round(d["lost"], 9))
            .sort_values(["borrower_id", "neg_lost", "code"], kind="stable")
            .groupby("borrower_id", sort=True)
            .head(params.reasons.max_reasons)
        )
        for borrower, code, sub_score, text in zip(
            ranked["borrower_id"],
            ranked["code"],
            ranked["sub_score"],
            ranked["message"],
            strict=True,
        ):
            records.setdefault(borrower, []).append(
                {"code": code, "sub_score": sub_score, "message": text}
            )
    return pd.Series([records.get(b, []) for b in f.index], index=f.index, dtype=object)
