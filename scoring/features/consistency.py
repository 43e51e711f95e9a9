"""Consistency family: how regularly a borrower sells, and for how long it has.

Components, each in [0, 1], blended with the weights of ``[consistency]``:

* active weeks: share of the borrower's *covered* weeks with a sale or a creator commission;
* weekly stability: ``1 - min(CV, max_weekly_cv) / max_weekly_cv`` where CV is the coefficient
  of variation (population std / mean) of weekly *gross* activity in USD (sales plus creator
  commissions at their estimate) over the covered weeks, quiet covered weeks counting as 0 and a
  partly covered week (the oldest week has 6 of its 7 days in the window) scaled to 7 days.
  Gross, because refunds and settlements lag and would make recent weeks look calmer;
* monthly stability: ``1 - min(d, max_monthly_drop) / max_monthly_drop`` where ``d`` is the
  largest fall from a covered month to the next covered month of gross activity over the mean
  covered month (months of 30 days). Only falls count: a steady rise is not instability, and
  growth is judged (and capped) by the growth sub-score. Fewer than two covered months: unknown;
* shop age: days from the platform's shop creation date (else the first known order or
  commission, when it comes ``first_activity_margin_days`` after the connection's data starts;
  never a date the borrower can edit) to as-of, through the ``shop_age`` map; the oldest of a
  borrower's connections counts; unknown otherwise;
* seller type: the lowest ``seller_type_points`` among the borrower's connections with a known
  type; unknown otherwise.

A week or month is *covered* when every connection of the borrower shows all of it (see
:mod:`scoring.coverage`): with 60 visible days only the last 8 weeks and 2 months count, and the
weeks the platform hides are neither quiet weeks nor part of the CV. ``covered_weeks`` is
reported with ``active_weeks``. With no covered week the weekly components are unknown.

An unknown component drops out (its weight goes to the others).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scoring.coverage import borrower_span, month_coverage, week_coverage
from scoring.facts import Facts
from scoring.features import per_borrower
from scoring.fx import NS_PER_DAY
from scoring.params import Params
from scoring.window import ScoringWindow

__all__ = ["consistency_features", "weekly_series"]

_NEVER = np.iinfo(np.int64).max


def weekly_series(
    codes: np.ndarray,
    t: np.ndarray,
    values: np.ndarray | None,
    window: ScoringWindow,
    n: int,
    scale: np.ndarray | None = None,
) -> np.ndarray:
    """Sum of ``values`` (row count when None) per borrower and week, shape ``(n, weeks)``.

    Column 0 is the *oldest* week. Each week is multiplied by ``scale`` (per borrower and week,
    from :func:`scoring.coverage.week_coverage`: 0 for a week not covered); without it the
    partial oldest week is scaled to a full one.
    """
    weeks = window.params.weeks
    back = window.week_back(t)
    cell = codes * weeks + (weeks - 1 - back)
    table = per_borrower(cell, values, n * weeks).reshape(n, weeks)
    return np.asarray(table * (window.week_scale[::-1] if scale is None else scale))


def _monthly(
    codes: np.ndarray,
    t: np.ndarray,
    values: np.ndarray,
    window: ScoringWindow,
    n: int,
    scale: np.ndarray,
) -> np.ndarray:
    """Per borrower and month, *newest* first (column k is k months back), times ``scale``
    (same layout)."""
    months = window.params.months
    back = window.month_back(t)
    inside = back < months
    cell = codes[inside] * months + back[inside]
    return np.asarray(per_borrower(cell, values[inside], n * months).reshape(n, months) * scale)


def _mean_std(series: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, mean and population std over the ``counted`` columns (NaN when none).

    ``series`` must be 0 where not counted. Same arithmetic as ``mean``/``std`` on full rows.
    """
    k = counted.sum(axis=1)
    with np.errstate(all="ignore"):
        mean = series.sum(axis=1) / k
        deviation = (series - mean[:, None]) * counted
        std = np.sqrt((deviation * deviation).sum(axis=1) / k)
    return mean, std


def _worst_seller_type(
    connections: pd.DataFrame, conn_b: np.ndarray, points: Mapping[str, float], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per borrower, the fewest seller-type points among its connections of a known type and
    that type (upper case; ties to the first in alphabetical order): NaN and "" when none.

    Each distinct type is looked up once; the rows are only ever handled as codes.
    """
    codes, uniques = pd.factorize(connections["seller_type"].to_numpy(dtype=object))
    kinds = np.array([str(u).upper() for u in uniques] + [""], dtype=object)  # -1: missing
    kind_points = np.array([points.get(k, np.nan) for k in kinds], dtype=np.float64)
    alphabetical = np.empty(len(kinds), dtype=np.int64)
    alphabetical[sorted(range(len(kinds)), key=kinds.__getitem__)] = np.arange(len(kinds))
    rows = np.flatnonzero(~np.isnan(kind_points[codes]))
    kind = codes[rows]
    b = conn_b[rows]
    order = np.lexsort((alphabetical[kind], kind_points[kind], b))
    first = order[np.r_[True, b[order][1:] != b[order][:-1]]] if order.size else order
    lowest = np.full(n, np.nan)
    lowest[b[first]] = kind_points[kind[first]]
    worst_kind = np.full(n, "", dtype=object)
    worst_kind[b[first]] = kinds[kind[first]]
    return lowest, worst_kind


def consistency_features(
    facts: Facts, connections: pd.DataFrame, window: ScoringWindow, params: Params, n: int
) -> dict[str, np.ndarray]:
    """Per borrower: the raw measures and the five components (NaN = unknown)."""
    c = params.consistency
    sale = facts.ord_sale & facts.ord_in
    codes = np.concatenate([facts.ord_b[sale], facts.com_b])
    t = np.concatenate([facts.ord_t[sale], facts.com_t])
    gross = np.concatenate([facts.ord_usd[sale], facts.com_estimate_usd])

    span = borrower_span(facts.span_start_c, facts.span_end_c, facts.conn_b, n)
    counted, scale = week_coverage(span, window)
    covered_weeks = counted.sum(axis=1).astype(np.float64)
    active = (weekly_series(codes, t, None, window, n) > 0) & counted
    active_weeks = active.sum(axis=1).astype(np.float64)
    weekly = weekly_series(codes, t, gross, window, n, scale)
    mean, std = _mean_std(weekly, counted)
    with np.errstate(all="ignore"):
        cv = np.where(covered_weeks > 0, np.where(mean > 0.0, std / mean, np.inf), np.nan)
        active_share = np.where(covered_weeks > 0, active_weeks / covered_weeks, np.nan)

    m_counted, m_scale = (a[:, ::-1] for a in month_coverage(span, window))
    monthly = _monthly(codes, t, gross, window, n, m_scale)
    month_mean, _ = _mean_std(monthly, m_counted)
    # Column k+1 is the month before column k: a fall is that month above the next one.
    pairs = m_counted[:, 1:] & m_counted[:, :-1]
    falls = np.where(pairs, np.maximum(monthly[:, 1:] - monthly[:, :-1], 0.0), 0.0).max(axis=1)
    with np.errstate(all="ignore"):
        drop = np.where(
            pairs.any(axis=1), np.where(month_mean > 0.0, falls / month_mean, np.inf), np.nan
        )

    created = connections["shop_created_at"].array.asi8.copy()
    created[created == np.iinfo(np.int64).min] = _NEVER
    margin = int(c.first_activity_margin_days * NS_PER_DAY)
    data_start = np.asarray(connections["data_start"].array.asi8)
    first = facts.first_activity_c
    # A first order right at the start of the pulled data does not date the shop (censored).
    dated = (first != _NEVER) & (first >= data_start + margin)
    born = np.where(created != _NEVER, created, np.where(dated, first, _NEVER))
    oldest = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(oldest, facts.conn_b, born)
    known = oldest < window.end_ns
    age_days = np.where(
        known, (window.end_ns - np.minimum(oldest, window.end_ns)) / NS_PER_DAY, np.nan
    )

    lowest, worst_kind = _worst_seller_type(connections, facts.conn_b, c.seller_type_points, n)

    return {
        "active_weeks": active_weeks,
        "covered_weeks": covered_weeks,
        "weekly_cv": cv,
        "monthly_drop": drop,
        "shop_age_days": age_days,
        "active_weeks_component": active_share,
        "weekly_cv_component": 1.0 - np.minimum(cv, c.max_weekly_cv) / c.max_weekly_cv,
        "monthly_stability_component": 1.0
        - np.minimum(drop, c.max_monthly_drop) / c.max_monthly_drop,
        "shop_age_component": np.interp(age_days, c.shop_age_days, c.shop_age_points),
        "seller_type": worst_kind,
        "seller_type_component": lowest,
    }
