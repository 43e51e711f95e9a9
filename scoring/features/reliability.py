"""Reliability family: how often orders come back or fall through.

* return rate = return requests created in the window (except those the buyer withdrew or the
  platform rejected) / paid orders of the window, capped at 1. Returns may refer to orders from
  before the window; v0 accepts that and caps the rate.
* cancellation rate = cancelled orders / all orders of the window (any status, samples too).

Points = 100 - return_rate_penalty x return rate - cancellation_rate_penalty x cancellation
rate, clipped to [0, 100]. A borrower with no orders at all in the window (e.g. a creator, who
has commissions but no shop orders) cannot be judged and gets ``no_orders_points`` (neutral).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.features.revenue import paid_order_mask
from scoring.params import ReliabilityParams
from scoring.window import ScoringWindow

__all__ = [
    "cancellation_rate",
    "order_counts",
    "reliability_points",
    "return_count",
    "return_rate",
]


def order_counts(orders: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index) -> pd.DataFrame:
    """Per borrower, counts of the window's orders: ``all_orders``, ``paid_orders``,
    ``cancelled_orders`` (int64, 0 without orders). Paid orders exclude samples."""
    recent = orders[window.contains(orders["created_at"])]
    counts = pd.DataFrame(
        {
            "borrower_id": recent["borrower_id"],
            "all_orders": 1,
            "paid_orders": paid_order_mask(recent).astype("int64"),
            "cancelled_orders": (recent["status"] == "cancelled").astype("int64"),
        }
    )
    summed = counts.groupby("borrower_id", sort=True)[
        ["all_orders", "paid_orders", "cancelled_orders"]
    ].sum()
    return summed.reindex(borrowers, fill_value=0).astype("int64")


def return_count(
    returns: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index, params: ReliabilityParams
) -> pd.Series[int]:
    """Return requests created in the window, per borrower, ignoring withdrawn/rejected ones."""
    counted = returns[
        window.contains(returns["created_at"])
        & ~returns["status"].str.upper().isin(params.ignored_return_statuses)
    ]
    return counted.groupby("borrower_id", sort=True).size().reindex(borrowers, fill_value=0)


def return_rate(returns: pd.Series[int], paid_orders: pd.Series[int]) -> pd.Series[float]:
    """Returns per paid order, in [0, 1]; with no paid orders, 1 if anything was returned else 0."""
    rate = (returns / paid_orders.where(paid_orders > 0)).clip(upper=1.0)
    fallback = pd.Series(np.where(returns > 0, 1.0, 0.0), index=returns.index)
    return rate.fillna(fallback).astype("float64")


def cancellation_rate(cancelled: pd.Series[int], all_orders: pd.Series[int]) -> pd.Series[float]:
    """Cancelled orders per order, in [0, 1]; 0 without orders."""
    return (cancelled / all_orders.where(all_orders > 0)).fillna(0.0).astype("float64")


def reliability_points(
    return_rate: pd.Series[float],
    cancellation_rate: pd.Series[float],
    all_orders: pd.Series[int],
    params: ReliabilityParams,
) -> pd.Series[float]:
    """Reliability sub-score in points [0, 100]; ``no_orders_points`` where ``all_orders`` is 0."""
    penalised = (
        100.0
        - params.return_rate_penalty * return_rate
        - params.cancellation_rate_penalty * cancellation_rate
    ).clip(0.0, 100.0)
    return penalised.where(all_orders > 0, params.no_orders_points).astype("float64")
