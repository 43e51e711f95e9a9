"""Reliability family: returns, cancellations and the platform's health signals.

Components in [0, 1] (1 = nothing wrong), blended with the weights of ``[reliability]``:

* return rate = counted return requests of the window (not withdrawn or rejected before as-of)
  plus void creator commissions, over sales plus creator commissions; a rate at or below
  ``return_rate_good`` loses nothing, at or above ``return_rate_bad`` the whole component;
* cancellation rate = paid orders cancelled before as-of over paid orders (samples excluded),
  bounds ``cancellation_rate_good``/``_bad``;
* rating (0–5), on-time delivery rate and violations from the latest shop-health snapshot of
  each connection observed at or before as-of; ratings and on-time rates are averaged over the
  borrower's connections, violations summed.

A signal the borrower has no evidence for (no orders, a platform that gives no rating) is NaN
and drops out; with no signal at all the sub-score is ``no_signal_points`` (neutral).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.facts import Facts
from scoring.features import per_borrower, ramp
from scoring.params import Params
from scoring.window import ScoringWindow

__all__ = ["health_signals", "reliability_features"]


def health_signals(
    health: pd.DataFrame, conn: np.ndarray, conn_b: np.ndarray, window: ScoringWindow
) -> dict[str, np.ndarray]:
    """Per borrower: ``rating`` and ``on_time_rate`` (means), ``violations`` (sum); NaN = none.

    ``conn`` is the row of ``connections`` each snapshot belongs to (-1: none), ``conn_b`` the
    borrower code of each row of ``connections``. Snapshots of unknown connections or observed
    after as-of are ignored; ties in ``observed_at`` keep the last row in (connection,
    observed_at, rating, violations, on-time) order, so row order never matters.
    """
    n = int(conn_b.max()) + 1 if conn_b.size else 0
    keep = (conn >= 0) & (health["observed_at"].array.asi8 <= window.end_ns)
    seen = health.loc[keep, ["observed_at", "rating", "violations", "on_time_delivery_rate"]]
    seen = seen.assign(_conn=conn[keep])
    order = ["_conn", "observed_at", "rating", "violations", "on_time_delivery_rate"]
    latest = seen.sort_values(order, kind="stable").groupby("_conn").tail(1)
    b = conn_b[latest["_conn"].to_numpy(dtype=np.int64)]
    out: dict[str, np.ndarray] = {}
    for name, column, how in (
        ("rating", "rating", "mean"),
        ("on_time_rate", "on_time_delivery_rate", "mean"),
        ("violations", "violations", "sum"),
    ):
        values = pd.Series(latest[column].to_numpy(dtype="float64", na_value=np.nan))
        grouped = values.groupby(b)
        agg = grouped.mean() if how == "mean" else grouped.sum(min_count=1)
        out[name] = agg.reindex(range(n)).to_numpy(dtype="float64")
    return out


def reliability_features(
    facts: Facts, health: dict[str, np.ndarray], params: Params, n: int
) -> dict[str, np.ndarray]:
    """Per borrower: the rates and the five components (NaN = no evidence)."""
    r = params.reliability
    sale = facts.ord_sale & facts.ord_in
    judged = per_borrower(facts.ord_b[sale], None, n) + per_borrower(facts.com_b, None, n)
    returned = per_borrower(facts.ret_b[facts.ret_counted], None, n)
    returned += per_borrower(facts.com_b[facts.com_void], None, n)
    paid = facts.ord_paid & facts.ord_in
    paid_count = per_borrower(facts.ord_b[paid], None, n)
    cancelled = per_borrower(facts.ord_b[facts.ord_cancelled & facts.ord_in], None, n)
    with np.errstate(all="ignore"):
        return_rate = np.where(judged > 0, np.minimum(returned / judged, 1.0), np.nan)
        cancellation_rate = np.where(paid_count > 0, cancelled / paid_count, np.nan)
    return {
        "return_rate": return_rate,
        "return_count": returned,
        "cancellation_rate": cancellation_rate,
        "rating": health["rating"],
        "on_time_rate": health["on_time_rate"],
        "violations": health["violations"],
        "rating_component": ramp(health["rating"], r.rating_bad, r.rating_good),
        "return_rate_component": 1.0 - ramp(return_rate, r.return_rate_good, r.return_rate_bad),
        "cancellation_rate_component": 1.0
        - ramp(cancellation_rate, r.cancellation_rate_good, r.cancellation_rate_bad),
        "on_time_component": ramp(health["on_time_rate"], r.on_time_bad, r.on_time_good),
        "violations_component": 1.0 - ramp(health["violations"], 0.0, r.violations_bad),
    }
