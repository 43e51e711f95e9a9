"""Revenue family: monthly net revenue in USD, its points, and reconciliation with payouts.

Net revenue of the window (USD), all of a borrower's connections together =
  + totals of sales (orders paid, not cancelled before as-of, not free samples)
  - refunds of returns whose money went back to the buyer before as-of
  + creator commissions: the actual commission when settled, else the estimate times
    ``unsettled_commission_discount``; void ones (refunded, deducted) earn nothing.

Seller-side commissions (what a shop pays creators) are the shop's expense: like platform fees
they are not subtracted, because revenue here is sales, not margin.

Monthly revenue is a rate per connection, added up over the borrower's connections: the
connection's net revenue over the part of the window its data covers (:mod:`scoring.coverage`;
facts outside that span are left out), divided by that span in months of ``days_per_month``
days. A normal connection covers the whole window (3 months for 90 days); a Shopify store
without ``read_all_orders`` covers 60 days, i.e. 2 months, so the days the platform hides are
never read as days without sales. A span shorter than a day counts as one day, so a few hours
of sales are not multiplied into a month; a connection covering nothing adds nothing.

Reconciliation, per connection that has payouts in the window: order value created in
``[start, as_of - lag)`` against payouts dated ``[start + lag, as_of)`` (two equal spans, the
second shifted by the settlement lag). Payout gross is the statement's ``revenue_amount``, else
``settlement_amount - fee_amount`` (fees are negative), else the net ``settlement_amount``.
A borrower's gap is ``|settled / ordered - 1|`` over those connections; above ``tolerance``
(with at least ``min_order_usd`` on either side) it lowers confidence and gives a reason, but
costs no points: lag and fee differences can explain some of it, and the lender sees the flag.
"""

from __future__ import annotations

import numpy as np

from scoring.facts import Facts
from scoring.features import per_borrower
from scoring.fx import NS_PER_DAY
from scoring.params import Params
from scoring.window import ScoringWindow

__all__ = ["next_tier_usd", "reconciliation", "revenue_features", "revenue_points"]


def _covered(facts: Facts, conn: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row mask: the fact's time lies in its connection's covered span."""
    return np.asarray((t >= facts.span_start_c[conn]) & (t < facts.span_end_c[conn]))


def revenue_features(facts: Facts, n: int, days_per_month: float) -> dict[str, np.ndarray]:
    """Per borrower: ``sales_usd``, ``refunds_usd``, ``commission_usd`` (totals over the covered
    spans), ``monthly_revenue_usd`` (USD per month, summed over connections; see module doc)
    and ``sale_count``."""
    n_conn = len(facts.conn_b)
    sale = facts.ord_sale & facts.ord_in
    rows = np.flatnonzero(sale)
    rows = rows[_covered(facts, facts.ord_c[rows], facts.ord_t[rows])]
    sales_c = per_borrower(facts.ord_c[rows], facts.ord_usd[rows], n_conn)
    refunded = facts.ret_refunded & _covered(facts, facts.ret_c, facts.ret_t)
    refunds_c = per_borrower(facts.ret_c[refunded], facts.ret_usd[refunded], n_conn)
    earned = _covered(facts, facts.com_c, facts.com_t)
    commission_c = per_borrower(facts.com_c[earned], facts.com_income_usd[earned], n_conn)
    covered_days = (facts.span_end_c - facts.span_start_c) / NS_PER_DAY
    months_c = np.maximum(covered_days, 1.0) / days_per_month
    monthly_c = (sales_c - refunds_c + commission_c) / months_c
    return {
        "sales_usd": per_borrower(facts.conn_b, sales_c, n),
        "refunds_usd": per_borrower(facts.conn_b, refunds_c, n),
        "commission_usd": per_borrower(facts.conn_b, commission_c, n),
        "monthly_revenue_usd": per_borrower(facts.conn_b, monthly_c, n),
        "sale_count": per_borrower(facts.ord_b[sale], None, n),
    }


def revenue_points(monthly_usd: np.ndarray, params: Params) -> np.ndarray:
    """Revenue sub-score in points [0, 100]: linear between tier anchors, flat beyond.

    Continuous and non-decreasing (anchors strictly increase, points never fall), so crossing
    a tier boundary never makes the score jump.
    """
    r = params.revenue
    return np.asarray(np.interp(monthly_usd, r.tier_usd, r.tier_points))


def next_tier_usd(monthly_usd: np.ndarray, params: Params) -> np.ndarray:
    """The lowest tier anchor above each monthly revenue (the top anchor when none is)."""
    anchors = np.asarray(params.revenue.tier_usd)
    position = np.searchsorted(anchors, monthly_usd, side="right")
    return anchors[np.minimum(position, len(anchors) - 1)]


def reconciliation(
    facts: Facts, window: ScoringWindow, params: Params, n: int
) -> dict[str, np.ndarray]:
    """Per borrower: ``ordered_usd``, ``settled_usd`` over connections with payouts,
    ``settled_ratio`` (NaN when nothing to compare), ``reconciliation_gap`` (bool) and
    ``unreconciled`` (bool: a connection with sales but no payout to check them against)."""
    p = params.reconciliation
    lag = int(p.lag_days * NS_PER_DAY)
    n_conn = len(facts.conn_b)
    late = facts.set_t >= window.start_ns + lag
    settled_c = per_borrower(facts.set_c[late], facts.set_gross_usd[late], n_conn)
    has_payouts = per_borrower(facts.set_c, None, n_conn) > 0
    early = facts.ord_sale & facts.ord_in & (facts.ord_t < window.end_ns - lag)
    ordered_c = per_borrower(facts.ord_c[early], facts.ord_usd[early], n_conn)
    sales_c = per_borrower(facts.ord_c[facts.ord_sale & facts.ord_in], None, n_conn)
    conn_b = facts.conn_b
    ordered = per_borrower(conn_b, np.where(has_payouts, ordered_c, 0.0), n)
    settled = per_borrower(conn_b, np.where(has_payouts, settled_c, 0.0), n)
    unreconciled = per_borrower(conn_b, ((sales_c > 0) & ~has_payouts).astype(float), n) > 0
    with np.errstate(all="ignore"):
        ratio = np.where(ordered > 0.0, settled / ordered, np.where(settled > 0.0, np.inf, np.nan))
    material = np.maximum(ordered, settled) >= p.min_order_usd
    gap = material & (np.abs(ratio - 1.0) > p.tolerance)
    return {
        "ordered_usd": ordered,
        "settled_usd": settled,
        "settled_ratio": ratio,
        "reconciliation_gap": gap,
        "unreconciled": unreconciled,
    }
