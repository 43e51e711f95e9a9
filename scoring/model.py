"""The v0 score: four sub-scores, their weighted composite and the reasons behind it.

:func:`score_frames` is the one entry point. It validates the input frames, keeps only facts of
the connections listed in ``frames.connections`` (matched on borrower_id and connection_id),
computes the features over the window ``[as_of - days, as_of)`` for every borrower at once and
returns a ``ScoreFrame``: one row per borrower with a connection, sorted by ``borrower_id``.

Sub-scores are points in [0, 100]. ``composite`` is the weighted sum of the *unrounded*
sub-scores; every score is then rounded to 1 decimal for output (so the composite may differ by
up to 0.05 from the weighted sum of the printed sub-scores). ``monthly_revenue_usd`` is rounded
to cents.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from scoring.features.consistency import (
    active_week_count,
    consistency_points,
    weekly_income_cv,
    weekly_income_usd,
)
from scoring.features.growth import growth_points, half_window_revenue_usd, revenue_change
from scoring.features.reliability import (
    cancellation_rate,
    order_counts,
    reliability_points,
    return_count,
    return_rate,
)
from scoring.features.revenue import income_events_usd, monthly_net_revenue_usd, revenue_points
from scoring.params import DEFAULT_PARAMS, MODEL_VERSION, Params
from scoring.reasons import reason_lists
from scoring.schemas import Frames, IncomeEventFrame, ScoreFrame, validate_frames
from scoring.window import ScoringWindow

__all__ = ["MODEL_VERSION", "SUB_SCORES", "borrower_features", "score_frames"]

SUB_SCORES = ("revenue", "consistency", "reliability", "growth")

_FACT_FRAMES = ("orders", "returns", "commissions", "settlements")
_SORT_KEYS = {
    "orders": ["borrower_id", "connection_id", "order_id"],
    "returns": ["borrower_id", "connection_id", "return_id"],
    "commissions": ["borrower_id", "connection_id", "order_id"],
    "settlements": ["borrower_id", "connection_id", "statement_id"],
    "connections": ["borrower_id", "connection_id"],
}


def _scored_facts(frames: Frames) -> Frames:
    """Facts of the listed connections only, each frame in a canonical row order.

    A canonical order makes float sums, and so the scores, independent of how the caller
    ordered its rows.
    """
    pairs = frames.connections[["borrower_id", "connection_id"]]
    kept: dict[str, pd.DataFrame] = {}
    for name in _FACT_FRAMES:
        frame: pd.DataFrame = getattr(frames, name)
        kept[name] = frame.merge(pairs, on=["borrower_id", "connection_id"], how="inner")
    kept["connections"] = frames.connections
    return Frames(
        **{
            name: frame.sort_values(_SORT_KEYS[name], ignore_index=True, kind="stable")
            for name, frame in kept.items()
        }
    )


def borrower_features(frames: Frames, window: ScoringWindow, params: Params) -> pd.DataFrame:
    """Per-borrower features and unrounded sub-score points, indexed by ``borrower_id``.

    ``frames`` must be validated; its fact frames must hold only scored connections. Rows are
    the borrowers of ``frames.connections``, sorted.
    """
    borrowers = pd.Index(
        sorted(frames.connections["borrower_id"].unique()), name="borrower_id", dtype="str"
    )
    events = IncomeEventFrame.validate(
        income_events_usd(frames.orders, frames.returns, frames.commissions, window, params.revenue)
    )
    week_days = params.consistency.week_days
    weeks = window.week_count(week_days)
    counts = order_counts(frames.orders, window, borrowers)
    returns = return_count(frames.returns, window, borrowers, params.reliability)
    halves = half_window_revenue_usd(events, window, borrowers)

    f = pd.DataFrame(index=borrowers)
    f["monthly_revenue_usd"] = monthly_net_revenue_usd(
        events, window, borrowers, params.window.days_per_month
    )
    f["revenue"] = revenue_points(f["monthly_revenue_usd"], params.revenue)
    f["active_weeks"] = active_week_count(events, window, borrowers, week_days)
    f["weekly_cv"] = weekly_income_cv(weekly_income_usd(events, window, borrowers, week_days))
    f["consistency"] = consistency_points(
        f["active_weeks"], weeks, f["weekly_cv"], params.consistency
    )
    f = f.join(counts)
    f["returns"] = returns
    f["return_rate"] = return_rate(returns, counts["paid_orders"])
    f["cancellation_rate"] = cancellation_rate(counts["cancelled_orders"], counts["all_orders"])
    f["reliability"] = reliability_points(
        f["return_rate"], f["cancellation_rate"], f["all_orders"], params.reliability
    )
    f = f.join(halves)
    f["revenue_change"] = revenue_change(f["early"], f["late"])
    f["growth"] = growth_points(f["revenue_change"], params.growth)
    return f


def score_frames(
    frames: Frames, as_of: pd.Timestamp | datetime, params: Params | None = None
) -> pd.DataFrame:
    """Score every borrower of ``frames.connections`` as of ``as_of``.

    Parameters
    ----------
    frames
        The five input frames (see :mod:`scoring.schemas`).
    as_of
        Timezone-aware instant; only facts created before it, within the last
        ``params.window.days`` days, count.
    params
        Model parameters; the v0 file by default.

    Returns
    -------
    pd.DataFrame
        A validated ``ScoreFrame``, one row per borrower, sorted by ``borrower_id``.

    Raises
    ------
    scoring.schemas.FramesInvalidError
        If any input frame breaks its contract (all failures listed).
    ValueError
        If ``as_of`` is naive or a currency has no USD rate.
    """
    p = DEFAULT_PARAMS if params is None else params
    window = ScoringWindow.ending_at(as_of, p.window.days)
    facts = _scored_facts(validate_frames(frames))
    f = borrower_features(facts, window, p)
    weeks = window.week_count(p.consistency.week_days)
    reasons = reason_lists(f, weeks, window.days / 2, p)

    weights = p.weights.as_dict()
    composite = sum(weights[name] * f[name] for name in SUB_SCORES)
    out = pd.DataFrame(
        {
            "borrower_id": f.index.astype("str"),
            "composite": pd.Series(composite, index=f.index).clip(0.0, 100.0).round(1),
            **{name: f[name].clip(0.0, 100.0).round(1) for name in SUB_SCORES},
            "monthly_revenue_usd": f["monthly_revenue_usd"].round(2),
            "order_count": f["paid_orders"].astype("int64"),
            "reasons": reasons,
            "model_version": p.model_version,
            "as_of": window.end,
            "window_start": window.start,
            "window_end": window.end,
        }
    ).reset_index(drop=True)
    out = out.astype(
        {
            "model_version": "str",
            "as_of": "datetime64[ns, UTC]",
            "window_start": "datetime64[ns, UTC]",
            "window_end": "datetime64[ns, UTC]",
        }
    )
    validated: pd.DataFrame = ScoreFrame.validate(out)
    return validated
