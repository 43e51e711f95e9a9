"""Revenue family: USD income events of the window, monthly net revenue and its points.

Net revenue of a window (USD) =
  + totals of paid orders (status neither ``unpaid`` nor ``cancelled``, not free samples)
  - refund amounts of returns whose status says the money went back to the buyer
  + creator-role commissions: the actual commission when settled, else the estimate times
    ``unsettled_commission_discount`` (estimates shrink as buyers return or refund).

Seller-role commissions (what a shop pays creators) are ignored in v0: the order total already
counts the sale, and v0 does not model the shop's costs. Settlements are not used either;
reconciling them against orders belongs to the next model. Each fact is converted at the USD
rate of its own day (its ``created_at``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.fx import to_usd
from scoring.params import RevenueParams
from scoring.window import ScoringWindow

__all__ = [
    "creator_commission_income",
    "income_events_usd",
    "monthly_net_revenue_usd",
    "paid_order_mask",
    "revenue_points",
]

_EVENT_COLUMNS = ["borrower_id", "created_at", "kind", "amount_usd"]


def paid_order_mask(orders: pd.DataFrame) -> pd.Series[bool]:
    """Orders that count as sales: paid (not ``unpaid``), not ``cancelled``, not samples."""
    return ~orders["status"].isin(["unpaid", "cancelled"]) & ~orders["is_sample"].astype(bool)


def creator_commission_income(commissions: pd.DataFrame, params: RevenueParams) -> pd.Series[float]:
    """Commission a creator earns per row, in the row's currency (0 for seller-role rows).

    Settled rows count their ``actual_commission`` (falling back to the discounted estimate if
    the platform left it empty); unsettled rows count ``estimated_commission`` times
    ``params.unsettled_commission_discount``; rows whose status is void (refunded, deducted)
    earn nothing.
    """
    discounted = commissions["estimated_commission"] * params.unsettled_commission_discount
    settled = commissions["settled"].astype(bool) & commissions["actual_commission"].notna()
    income = commissions["actual_commission"].where(settled, discounted)
    void = commissions["status"].str.upper().isin(params.void_commission_statuses)
    earns = (commissions["role"] == "creator") & ~void
    return income.where(earns, 0.0).astype("float64")


def _events(frame: pd.DataFrame, kind: str, amount: pd.Series[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "borrower_id": frame["borrower_id"],
            "created_at": frame["created_at"],
            "kind": kind,
            "amount_usd": to_usd(amount, frame["currency"], frame["created_at"]),
        },
        columns=_EVENT_COLUMNS,
    )


def income_events_usd(
    orders: pd.DataFrame,
    returns: pd.DataFrame,
    commissions: pd.DataFrame,
    window: ScoringWindow,
    params: RevenueParams,
) -> pd.DataFrame:
    """Signed USD money events created inside ``window`` (an ``IncomeEventFrame``).

    One row per paid order (``kind="order"``, +total), refunded return (``"refund"``, -refund)
    and earning creator commission (``"commission"``, +income). Rows are sorted by borrower,
    time, kind and amount so sums do not depend on input row order.
    """
    sold = orders[window.contains(orders["created_at"]) & paid_order_mask(orders)]
    refunded = returns[
        window.contains(returns["created_at"])
        & returns["status"].str.upper().isin(params.refunded_return_statuses)
    ]
    in_window = commissions[window.contains(commissions["created_at"])]
    income = creator_commission_income(in_window, params)
    earning = in_window[income != 0.0]
    parts = [
        _events(sold, "order", sold["total_amount"]),
        _events(refunded, "refund", -refunded["refund_amount"]),
        _events(earning, "commission", income[income != 0.0]),
    ]
    events = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    events["borrower_id"] = events["borrower_id"].astype("str")
    events["created_at"] = events["created_at"].astype("datetime64[ns, UTC]")
    events["kind"] = events["kind"].astype("str")
    events["amount_usd"] = events["amount_usd"].astype("float64")
    return events.sort_values(_EVENT_COLUMNS, ignore_index=True, kind="stable")


def monthly_net_revenue_usd(
    events: pd.DataFrame, window: ScoringWindow, borrowers: pd.Index, days_per_month: float
) -> pd.Series[float]:
    """Net revenue per borrower per month, in USD per month.

    Sum of the window's ``amount_usd`` divided by the number of months in the window
    (window days / ``days_per_month``). Borrowers without events get 0.
    """
    months = window.days / days_per_month
    total = events.groupby("borrower_id", sort=True)["amount_usd"].sum()
    return (total.reindex(borrowers, fill_value=0.0) / months).astype("float64")


def revenue_points(monthly_usd: pd.Series[float], params: RevenueParams) -> pd.Series[float]:
    """Revenue sub-score in points [0, 100]: linear between the tier anchors, flat beyond.

    The map is continuous and non-decreasing (anchors strictly increase, points never fall),
    so crossing a tier boundary never makes the score jump.
    """
    points = np.interp(
        monthly_usd.to_numpy(dtype="float64"), params.anchors_usd, params.anchor_points
    )
    return pd.Series(points, index=monthly_usd.index, dtype="float64")
