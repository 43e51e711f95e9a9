"""Growth family: robust trends of weekly revenue, order count and affiliate commissions.

For each weekly series (13 weeks, oldest first, the partial oldest week scaled to 7 days):

    change = Theil–Sen slope x (weeks - 1) / mean of the series

i.e. the change across the window implied by the median of all 78 pairwise slopes, relative to
the series' level (−0.3 = the trend lost 30 % of the average week over the window). The median
ignores one freak week, unlike a least-squares fit or a first-half/second-half comparison.

Only the weeks a borrower's data covers count (:mod:`scoring.coverage`): the slope is the median
of the pairwise slopes between covered weeks and the mean is that of the covered weeks, so with
60 visible days the trend is fitted on the last 8 weeks instead of reading the 5 hidden weeks
as a quiet start. The slope is still multiplied by ``weeks - 1``: the change is the one that
trend implies over the whole window, so the points map reads it on the same scale. Fewer than
3 covered weeks: no trend (unknown).

Series, compared like with like: revenue is *gross* weekly activity (sales plus creator
commissions at their estimate), because returns, refunds and commission settlement all lag, so
counting them would make the recent weeks look worse than the old ones; orders are sale counts;
affiliate is creator commissions at their estimate. A series with fewer than ``min_events``
events in the window has no trend (unknown, drops out).

Points per series come from the ``change``/``points`` map of ``[growth]``: rising to 100 at
+50 %, then tapering (extreme growth is not rewarded without bound), gentle inside the noise
band (±15 %) where weekly noise alone moves a small seller's trend; blended with the series
weights. No series at all gives the points of a 0 % change.
"""

from __future__ import annotations

import numpy as np

from scoring.coverage import borrower_span, week_coverage
from scoring.facts import Facts
from scoring.features import per_borrower
from scoring.features.consistency import weekly_series
from scoring.params import Params
from scoring.window import ScoringWindow

__all__ = ["growth_features", "growth_points", "theil_sen_change"]

_CHUNK = 100_000  # borrowers per block: bounds the (block x 78) pairwise-slope matrix
# Two weeks give one slope, i.e. one week-to-week difference stretched over the window: too
# noisy to call a trend.
_MIN_WEEKS = 3


def _masked_median(slopes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per row, the median of ``slopes`` where ``valid`` (NaN when none): sort with the invalid
    ones last as NaN and average the two middle valid values."""
    ordered = np.sort(np.where(valid, slopes, np.nan), axis=1)
    k = valid.sum(axis=1)
    lo = np.maximum((k - 1) // 2, 0)[:, None]
    hi = (k // 2)[:, None]
    middle = np.take_along_axis(ordered, lo, axis=1) + np.take_along_axis(ordered, hi, axis=1)
    return np.where(k > 0, middle[:, 0] / 2.0, np.nan)


def theil_sen_change(series: np.ndarray, counted: np.ndarray | None = None) -> np.ndarray:
    """Per row of ``series`` (borrowers x weeks), Theil–Sen slope x (weeks - 1) / row mean,
    over the weeks ``counted`` (all when None; ``series`` must be 0 elsewhere).

    Unitless; NaN where the mean is not positive or fewer than ``_MIN_WEEKS`` weeks count.
    """
    n, weeks = series.shape
    if counted is None:
        counted = np.ones(series.shape, dtype=bool)
    full = np.asarray(counted.all(axis=1))
    i, j = np.triu_indices(weeks, k=1)
    span = (j - i).astype(np.float64)
    out = np.empty(n)
    for lo in range(0, n, _CHUNK):
        block = series[lo : lo + _CHUNK]
        slopes = (block[:, j] - block[:, i]) / span
        median = np.median(slopes, axis=1)
        partial = np.flatnonzero(~full[lo : lo + _CHUNK])
        if partial.size:
            mask = counted[lo + partial]
            median[partial] = _masked_median(slopes[partial], mask[:, i] & mask[:, j])
        out[lo : lo + _CHUNK] = median
    k = counted.sum(axis=1)
    with np.errstate(all="ignore"):
        mean = series.sum(axis=1) / k
        return np.where((mean > 0.0) & (k >= _MIN_WEEKS), out * (weeks - 1) / mean, np.nan)


def growth_points(change: np.ndarray, params: Params) -> np.ndarray:
    """Points in [0, 100] of a relative change (NaN stays NaN)."""
    g = params.growth
    return np.asarray(np.interp(change, g.change, g.points))


def growth_features(
    facts: Facts, window: ScoringWindow, params: Params, n: int
) -> dict[str, np.ndarray]:
    """Per borrower: the three changes (NaN = unknown) and their components in [0, 1]."""
    g = params.growth
    sale = facts.ord_sale & facts.ord_in
    o_b, o_t = facts.ord_b[sale], facts.ord_t[sale]
    codes = np.concatenate([o_b, facts.com_b])
    t = np.concatenate([o_t, facts.com_t])
    gross = np.concatenate([facts.ord_usd[sale], facts.com_estimate_usd])
    sales = per_borrower(o_b, None, n)
    commissions = per_borrower(facts.com_b, None, n)
    enough = g.min_events
    counted, scale = week_coverage(
        borrower_span(facts.span_start_c, facts.span_end_c, facts.conn_b, n), window
    )

    def change(series: np.ndarray, known: np.ndarray) -> np.ndarray:
        # Every step of theil_sen_change is row by row, so only the borrowers with enough
        # events are computed (most have no commissions); the others are unknown (NaN).
        out = np.full(n, np.nan)
        rows = np.flatnonzero(known)
        out[rows] = theil_sen_change(series[rows], counted[rows])
        return out

    revenue = change(
        weekly_series(codes, t, gross, window, n, scale), sales + commissions >= enough
    )
    orders = change(weekly_series(o_b, o_t, None, window, n, scale), sales >= enough)
    affiliate = change(
        weekly_series(facts.com_b, facts.com_t, facts.com_estimate_usd, window, n, scale),
        commissions >= enough,
    )
    return {
        "revenue_change": revenue,
        "order_change": orders,
        "affiliate_change": affiliate,
        "revenue_trend_component": growth_points(revenue, params) / 100.0,
        "order_trend_component": growth_points(orders, params) / 100.0,
        "affiliate_trend_component": growth_points(affiliate, params) / 100.0,
    }
