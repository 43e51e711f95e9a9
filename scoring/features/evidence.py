"""Evidence family: whether a borrower can be scored at all (pending) and how sure the score is.

Pending: a borrower is pending when any of its connections

* has not completed its full pull (``sync_complete`` false): ``DATA_SYNCING``;
* has data ending more than ``pending_tolerance_days`` before as-of: ``DATA_STALE``;
* has data starting after the window's start (plus the tolerance): ``DATA_INCOMPLETE``. When the
  platform shows fewer days (``visible_days``), the window start is moved to as-of minus those
  days: the shortfall lowers confidence instead, and every rate (monthly revenue, weekly and
  monthly measures) is taken over the days the data covers (:mod:`scoring.coverage`).

Confidence: evidence starts at 1 and loses the ``[confidence]`` deductions that apply (limited
visibility, a payout gap, sales with no payouts to check, no health signal, few sales, no
activity); ``high`` from ``high_from``, ``medium`` from ``medium_from``, else ``low``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.fx import NS_PER_DAY
from scoring.params import Params
from scoring.window import ScoringWindow

__all__ = ["PENDING_CODES", "confidence_levels", "evidence_score", "pending_features"]

#: Pending causes in the order they are reported (the first that applies).
PENDING_CODES = ("DATA_SYNCING", "DATA_STALE", "DATA_INCOMPLETE")


def pending_features(
    connections: pd.DataFrame, conn_b: np.ndarray, window: ScoringWindow, params: Params, n: int
) -> dict[str, np.ndarray]:
    """Per borrower: ``pending`` (bool), the first pending cause (``pending_code`` index into
    :data:`PENDING_CODES`, -1 when scored) with its connection's ``pending_platform``,
    ``pending_date`` (ns) and ``visible_days`` (the smallest, NaN = unlimited)."""
    w = params.window
    tolerance = int(w.pending_tolerance_days * NS_PER_DAY)
    visible = connections["visible_days"].to_numpy(dtype="float64", na_value=np.nan)
    shown = np.where(np.isnan(visible), w.days, np.minimum(visible, w.days))
    needed_start = window.end_ns - (shown * NS_PER_DAY).astype(np.int64)
    start = connections["data_start"].array.asi8
    end = connections["data_end"].array.asi8
    causes = np.stack(
        [
            ~connections["sync_complete"].to_numpy(dtype=bool),
            end < window.end_ns - tolerance,
            start > needed_start + tolerance,
        ]
    )
    any_cause = np.asarray(causes.any(axis=0))
    first_cause = np.where(any_cause, causes.argmax(axis=0), len(PENDING_CODES))
    # The reported connection: the borrower's worst cause, then the smallest connection id.
    order = np.lexsort(
        (connections["connection_id"].to_numpy(dtype=object).astype(str), first_cause, conn_b)
    )
    first_of = np.full(n, -1, dtype=np.int64)
    ordered_b = conn_b[order]
    starts = np.flatnonzero(np.r_[True, ordered_b[1:] != ordered_b[:-1]]) if n else order[:0]
    first_of[ordered_b[starts]] = order[starts]
    pick = np.maximum(first_of, 0)
    code = np.where(any_cause[pick], first_cause[pick], -1)
    date = np.where(first_cause[pick] == 1, end[pick], start[pick])
    visible_b = pd.Series(visible).groupby(conn_b).min().reindex(range(n)).to_numpy()
    return {
        "pending": code >= 0,
        "pending_code": code,
        "pending_platform": connections["platform"].to_numpy(dtype=object)[pick],
        "pending_date": date,
        "visible_days": visible_b,
    }


def evidence_score(f: dict[str, np.ndarray], params: Params) -> np.ndarray:
    """Evidence in [0, 1] per borrower from the deductions of ``[confidence]``."""
    c = params.confidence
    activity = f["sale_count"] + f["commission_count"]
    deductions = (
        c.limited_visibility * (f["visible_days"] < params.window.days)
        + c.reconciliation_gap * f["reconciliation_gap"]
        + c.no_settlements * f["unreconciled"]
        + c.missing_health * (np.isnan(f["rating"]) & np.isnan(f["on_time_rate"]))
        + c.few_orders * ((activity > 0) & (activity < c.few_orders_below))
        + c.no_activity * (activity == 0)
    )
    # Rounded so that deductions summing exactly to a cut-off land on it, not a hair below.
    return np.asarray(np.clip(np.round(1.0 - deductions, 9), 0.0, 1.0))


def confidence_levels(evidence: np.ndarray, params: Params) -> np.ndarray:
    """``high``/``medium``/``low`` per borrower (object array)."""
    c = params.confidence
    return np.where(
        evidence >= c.high_from, "high", np.where(evidence >= c.medium_from, "medium", "low")
    ).astype(object)
