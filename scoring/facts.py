"""The validated frames as numpy arrays of the facts known at as-of, keyed by integer codes.

Everything after this module works on integer borrower codes (0..B-1, borrowers sorted by id)
and connection codes (0..C-1, in ``connections`` order), so per-borrower sums are
``numpy.bincount`` calls and no step depends on the caller's row order, except the last bit of
a float sum, which follows the order its terms are added in (rows in their order): a value
rounded to cents can then differ by one. Callers that need scores repeatable to the last bit
pass the same rows in the same order (the service's loader orders them by borrower and key).

As of a date (see the interface notes):

* a fact counts when ``observed_at <= as_of`` and its event time (created or statement time)
  is before as-of; facts of connections not in ``connections`` are dropped;
* an order is *paid* when ``paid_at < as_of`` (or, without ``paid_at``, when its status is not
  ``unpaid``) and *cancelled* when its status is ``cancelled`` and it was cancelled
  (``cancelled_at``, else ``updated_at``) before as-of: an order cancelled later counts as not
  cancelled;
* a return's outcome (refunded, withdrawn, rejected) counts only when ``updated_at < as_of``;
  until then the return is an open request;
* a commission's settlement state is the stored one (the interface carries no settled-at time).

Each connection also carries the part of the window its data covers (``span_*_c``, see
:mod:`scoring.coverage`): features that turn sums into rates divide by it rather than by the
window, so days a platform does not show are not read as days without sales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.coverage import connection_span
from scoring.fx import NS_PER_DAY, rate_table
from scoring.params import Params
from scoring.schemas import FramesInvalidError
from scoring.validation import ValidatedFrames
from scoring.window import ScoringWindow

__all__ = ["Facts", "collect_facts"]

_NOT_PAID = "unpaid"
_CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Facts:
    """Known facts as aligned arrays. ``*_b`` are borrower codes, ``*_c`` connection codes."""

    borrowers: np.ndarray  # borrower ids, sorted (object)
    conn_b: np.ndarray  # borrower code of each connection
    span_start_c: np.ndarray  # covered part of the window per connection, [start, end) ns
    span_end_c: np.ndarray
    # orders known at as-of (any age)
    ord_b: np.ndarray
    ord_c: np.ndarray
    ord_t: np.ndarray  # created_at, ns
    ord_in: np.ndarray  # created in the window
    ord_usd: np.ndarray  # total in USD (0 outside the window: not needed there)
    ord_sale: np.ndarray  # paid, not cancelled, not a sample
    ord_paid: np.ndarray  # paid, not a sample (cancellation-rate denominator)
    ord_cancelled: np.ndarray  # paid, not a sample, cancelled before as-of
    # returns created in the window and known
    ret_b: np.ndarray
    ret_c: np.ndarray
    ret_t: np.ndarray  # created_at, ns
    ret_usd: np.ndarray
    ret_counted: np.ndarray  # a return request that was not withdrawn or rejected
    ret_refunded: np.ndarray  # money went back to the buyer before as-of
    # creator commissions created in the window and known
    com_b: np.ndarray
    com_c: np.ndarray
    com_t: np.ndarray
    com_income_usd: np.ndarray  # settled actual, else discounted estimate; 0 when void
    com_estimate_usd: np.ndarray  # the estimate, whatever the state (like-with-like growth)
    com_void: np.ndarray
    # first known activity per connection (ns; int64 max when none)
    first_activity_c: np.ndarray
    # settlements known, in the window
    set_c: np.ndarray
    set_t: np.ndarray
    set_gross_usd: np.ndarray


def _upper_in(uniques: np.ndarray, codes: np.ndarray, allowed: frozenset[str]) -> np.ndarray:
    """Row mask: the row's string (upper-cased) is in ``allowed``; ``codes`` index ``uniques``."""
    hit = np.array([str(u).upper() in allowed for u in uniques] + [False], dtype=bool)
    return np.asarray(hit[codes])  # code -1 (null) reads the trailing False


def _is(uniques: np.ndarray, codes: np.ndarray, value: str) -> np.ndarray:
    return _upper_in(uniques, codes, frozenset({value.upper()}))


def _ns(series: pd.Series) -> np.ndarray:
    """Datetime column as int64 ns; NaT becomes int64 max (never before any as-of)."""
    out = np.asarray(series.array.asi8, dtype=np.int64).copy()
    out[out == np.iinfo(np.int64).min] = np.iinfo(np.int64).max
    return out


def _connection_codes(v: ValidatedFrames, frame: str, conn_borrower: np.ndarray) -> np.ndarray:
    """Connection code per row (-1 when the connection is not scored); checks borrower ids."""
    df: pd.DataFrame = getattr(v.frames, frame)
    row_conn = v.connection_positions(frame)
    known = row_conn >= 0
    # Compared as codes: each connection's borrower is looked up among the frame's distinct
    # borrower ids once (-1: none of the frame's rows names it), never row by row as strings.
    codes, uniques = v.codes(frame, "borrower_id")
    conn_code = np.asarray(
        pd.Index(uniques, dtype=object).get_indexer(pd.Index(conn_borrower, dtype=object)),
        dtype=np.int64,
    )
    if conn_code.size:
        # Unknown connections (-1) read the last connection's code and are masked out.
        mismatch = known & ((codes != conn_code[row_conn]) | (codes < 0))
    else:
        mismatch = np.zeros(len(row_conn), dtype=bool)  # no connections: no row is known
    if mismatch.any():
        bad = df.loc[mismatch, ["connection_id", "borrower_id"]].head(5)
        cases = pd.DataFrame(
            {
                "column": "borrower_id",
                "check": "borrower_id matches the connection's borrower",
                "failure_case": [tuple(r) for r in bad.itertuples(index=False)],
            }
        )
        raise FramesInvalidError({f"Frames.{frame}": cases})
    return row_conn.astype(np.int64)


def _rates(v: ValidatedFrames, window: ScoringWindow) -> tuple[dict[str, int], np.ndarray]:
    """Currency → row of a USD rate table covering every day the window touches."""
    names: set[str] = set()
    for frame in ("orders", "returns", "commissions", "settlements"):
        names.update(str(u) for u in v.codes(frame, "currency")[1])
    currencies = np.array(sorted(names), dtype=object)
    table = rate_table(currencies, window.first_day, window.n_days, v.frames.fx_rates)
    return {str(c): i for i, c in enumerate(currencies)}, table


def _usd(
    v: ValidatedFrames,
    frame: str,
    amount: np.ndarray,
    t: np.ndarray,
    rows: np.ndarray,
    fx: tuple[dict[str, int], np.ndarray],
    window: ScoringWindow,
) -> np.ndarray:
    """USD value of ``amount`` for the in-window ``rows`` at each row's day rate.

    ``amount`` and ``t`` are whole columns of ``frame``; ``rows`` are positions in it.
    """
    index, table = fx
    codes, uniques = v.codes(frame, "currency")
    row_of = np.array([index[str(u)] for u in uniques] + [0], dtype=np.int64)
    day = t[rows] // NS_PER_DAY - window.first_day
    return np.asarray(amount[rows] * table[row_of[codes[rows]], day])


def collect_facts(v: ValidatedFrames, window: ScoringWindow, params: Params) -> Facts:
    """The known facts of ``v`` as of ``window.end`` as aligned arrays (see module doc)."""
    f = v.frames
    as_of = window.end_ns
    conns = f.connections
    borrowers, conn_b = np.unique(conns["borrower_id"].to_numpy(dtype=object), return_inverse=True)
    conn_borrower = conns["borrower_id"].to_numpy(dtype=object)
    fx = _rates(v, window)

    # Orders: every known order (first activity needs the old ones), amounts only in window.
    o = f.orders
    o_conn = _connection_codes(v, "orders", conn_borrower)
    o_t_all = _ns(o["created_at"])
    o_keep = np.flatnonzero((o_conn >= 0) & (_ns(o["observed_at"]) <= as_of) & (o_t_all < as_of))
    o_t = o_t_all[o_keep]
    s_codes, s_uniques = v.codes("orders", "status")
    status = s_codes[o_keep]
    paid_at = _ns(o["paid_at"])[o_keep]
    no_paid_at = paid_at == np.iinfo(np.int64).max
    sample = o["is_sample"].to_numpy(dtype=bool)[o_keep]
    paid = np.where(no_paid_at, ~_is(s_uniques, status, _NOT_PAID), paid_at < as_of) & ~sample
    cancel_t = _ns(o["cancelled_at"])[o_keep]
    cancel_t = np.where(cancel_t == np.iinfo(np.int64).max, _ns(o["updated_at"])[o_keep], cancel_t)
    cancelled = paid & _is(s_uniques, status, _CANCELLED) & (cancel_t < as_of)
    o_in = window.contains(o_t)
    rows_in = np.flatnonzero(o_in)
    o_usd = np.zeros(len(o_keep))
    amount = o["total_amount"].to_numpy(dtype="float64")
    o_usd[rows_in] = _usd(v, "orders", amount, o_t_all, o_keep[rows_in], fx, window)

    # Returns created in the window.
    r = f.returns
    r_conn = _connection_codes(v, "returns", conn_borrower)
    r_t = _ns(r["created_at"])
    r_keep = np.flatnonzero((r_conn >= 0) & (_ns(r["observed_at"]) <= as_of) & window.contains(r_t))
    rs_codes, rs_uniques = v.codes("returns", "status")
    decided = _ns(r["updated_at"])[r_keep] < as_of
    ignored = decided & _upper_in(
        rs_uniques, rs_codes[r_keep], params.reliability.ignored_return_statuses
    )
    refunded = decided & _upper_in(
        rs_uniques, rs_codes[r_keep], params.revenue.refunded_return_statuses
    )
    r_amount = r["refund_amount"].to_numpy(dtype="float64")
    r_usd = _usd(v, "returns", r_amount, r_t, r_keep, fx, window)

    # Creator commissions created in the window. Seller-role rows are the shop's expense,
    # already inside its order totals' margin; v1 does not model costs, so they are skipped.
    c = f.commissions
    c_conn = _connection_codes(v, "commissions", conn_borrower)
    c_t_all = _ns(c["created_at"])
    c_known = (c_conn >= 0) & (_ns(c["observed_at"]) <= as_of) & (c_t_all < as_of)
    role_codes, role_uniques = v.codes("commissions", "role")
    creator = _is(role_uniques, role_codes, "creator")
    c_keep = np.flatnonzero(c_known & creator & window.contains(c_t_all))
    cs_codes, cs_uniques = v.codes("commissions", "status")
    void = _upper_in(cs_uniques, cs_codes[c_keep], params.revenue.void_commission_statuses)
    estimate = c["estimated_commission"].to_numpy(dtype="float64")
    actual = c["actual_commission"].to_numpy(dtype="float64")
    settled = c["settled"].to_numpy(dtype=bool) & ~np.isnan(actual)
    income = np.where(settled, actual, estimate * params.revenue.unsettled_commission_discount)
    c_income = _usd(v, "commissions", income, c_t_all, c_keep, fx, window)
    c_income[void] = 0.0
    c_estimate = _usd(v, "commissions", estimate, c_t_all, c_keep, fx, window)

    # First activity per connection: the oldest known order or commission (any age).
    n_conn = len(conns)
    first = np.full(n_conn, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, o_conn[o_keep], o_t)
    c_any = np.flatnonzero(c_known)
    np.minimum.at(first, c_conn[c_any], c_t_all[c_any])

    # Settlements in the window: the gross they settle, in USD.
    s = f.settlements
    s_conn = _connection_codes(v, "settlements", conn_borrower)
    s_t = _ns(s["statement_time"])
    s_keep = np.flatnonzero((s_conn >= 0) & (_ns(s["observed_at"]) <= as_of) & window.contains(s_t))
    net = s["settlement_amount"].to_numpy(dtype="float64")
    fee = s["fee_amount"].to_numpy(dtype="float64")
    gross = s["revenue_amount"].to_numpy(dtype="float64")
    # Prefer the reported gross; else add the (negative) fees back; else the net payout.
    gross = np.where(np.isnan(gross), np.where(np.isnan(fee), net, net - fee), gross)
    s_usd = _usd(v, "settlements", gross, s_t, s_keep, fx, window)

    o_b = conn_b[o_conn[o_keep]]
    span_start, span_end = connection_span(
        np.asarray(conns["data_start"].array.asi8), np.asarray(conns["data_end"].array.asi8), window
    )
    return Facts(
        borrowers=borrowers,
        conn_b=conn_b,
        span_start_c=span_start,
        span_end_c=span_end,
        ord_b=o_b,
        ord_c=o_conn[o_keep],
        ord_t=o_t,
        ord_in=o_in,
        ord_usd=o_usd,
        ord_sale=paid & ~cancelled,
        ord_paid=paid,
        ord_cancelled=cancelled,
        ret_b=conn_b[r_conn[r_keep]],
        ret_c=r_conn[r_keep],
        ret_t=r_t[r_keep],
        ret_usd=r_usd,
        ret_counted=~ignored,
        ret_refunded=refunded,
        com_b=conn_b[c_conn[c_keep]],
        com_c=c_conn[c_keep],
        com_t=c_t_all[c_keep],
        com_income_usd=c_income,
        com_estimate_usd=c_estimate,
        com_void=void,
        first_activity_c=first,
        set_c=s_conn[s_keep],
        set_t=s_t[s_keep],
        set_gross_usd=s_usd,
    )
