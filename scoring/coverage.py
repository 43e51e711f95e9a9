"""Which part of the scoring window each connection's data covers, and which weeks and months a
borrower's data covers, so that days a platform does not show are never read as days without
sales.

Per connection the covered span is ``[max(window start, data_start), min(as_of, data_end))``,
clipped to the window. A pull ends a little before the score is computed, so ``data_end`` within
``pending_tolerance_days`` of as-of counts as reaching as-of (the pending rule of
:mod:`scoring.features.evidence` accepts exactly those connections as current): a normal
connection, whose pull reached 90 days back from its end, covers the whole window, and the hours
between a pull and the score never shrink it. ``data_start`` is taken as it is: a platform that
shows fewer days (Shopify without ``read_all_orders``: 60) gives a start inside the window and
so a shorter span, whose days are really all there is.

Per borrower, a week or month of the window *counts* when every connection of the borrower
covers it: all of its days inside the window, up to ``pending_tolerance_days`` (and at least
half of them). Requiring every connection keeps a borrower with a 90-day TikTok shop and a
60-day Shopify store from seeing its older weeks as TikTok-only weeks, i.e. with the Shopify
sales missing. A counted period's sums are scaled to a full period by its covered days (the
oldest week, 6 of its 7 days in a 90-day window, is scaled by 7/6 as before); periods that do
not count are masked out of every weekly and monthly measure.
"""

from __future__ import annotations

import numpy as np

from scoring.fx import NS_PER_DAY
from scoring.window import ScoringWindow

__all__ = ["PeriodCoverage", "borrower_span", "connection_span", "month_coverage", "week_coverage"]

#: (counted, scale) per borrower and period, oldest period first; scale is 0 where not counted.
PeriodCoverage = tuple[np.ndarray, np.ndarray]


def connection_span(
    data_start: np.ndarray, data_end: np.ndarray, window: ScoringWindow
) -> tuple[np.ndarray, np.ndarray]:
    """Covered ``[start, end)`` of the window per connection (ns, int64; ``start == end`` when
    nothing is covered) from the ``data_start``/``data_end`` columns as int64 ns."""
    tolerance = int(window.params.pending_tolerance_days * NS_PER_DAY)
    lo, hi = window.start_ns, window.end_ns
    end = np.where(data_end >= hi - tolerance, hi, data_end)
    start = np.clip(data_start, lo, hi).astype(np.int64)
    end = np.clip(end, start, hi).astype(np.int64)
    return start, end


def borrower_span(
    start_c: np.ndarray, end_c: np.ndarray, conn_b: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The span every connection of a borrower covers: latest start, earliest end (ns).

    ``end <= start`` when the borrower's connections have no common covered span.
    """
    start = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    end = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.maximum.at(start, conn_b, start_c)
    np.minimum.at(end, conn_b, end_c)
    return start, end


def _periods(
    span: tuple[np.ndarray, np.ndarray],
    window: ScoringWindow,
    period_ns: int,
    periods: int,
    full_days: float,
) -> PeriodCoverage:
    """Coverage of ``periods`` periods of ``period_ns`` counted back from as-of (see module doc)."""
    back = np.arange(periods - 1, -1, -1, dtype=np.int64)  # oldest first
    p_end = window.end_ns - back * period_ns
    p_start = np.maximum(p_end - period_ns, window.start_ns)
    start, end = span
    covered_ns = np.clip(
        np.minimum(end[:, None], p_end[None, :]) - np.maximum(start[:, None], p_start[None, :]),
        0,
        None,
    )
    inside_ns = p_end - p_start
    tolerance = int(window.params.pending_tolerance_days * NS_PER_DAY)
    counted = (inside_ns[None, :] - covered_ns <= tolerance) & (
        2 * covered_ns >= inside_ns[None, :]
    )
    # Days (exact for whole days) so a fully covered week scales exactly as before: 7 / 6.
    covered_days = covered_ns / NS_PER_DAY
    scale = np.where(counted, full_days / np.where(counted, covered_days, 1.0), 0.0)
    return counted, scale


def week_coverage(span: tuple[np.ndarray, np.ndarray], window: ScoringWindow) -> PeriodCoverage:
    """Per borrower (rows of ``span``) and week (oldest first): counted, and scale to 7 days."""
    p = window.params
    return _periods(span, window, p.week_days * NS_PER_DAY, p.weeks, float(p.week_days))


def month_coverage(span: tuple[np.ndarray, np.ndarray], window: ScoringWindow) -> PeriodCoverage:
    """Per borrower and month (oldest first): counted, and scale to ``days_per_month`` days."""
    p = window.params
    return _periods(
        span, window, int(p.days_per_month * NS_PER_DAY), p.months, float(p.days_per_month)
    )
