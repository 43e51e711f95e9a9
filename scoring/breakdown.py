"""The score's figures broken down per connection and per month: what a lender's report shows.

These are reusable quantities, not presentation, so they live in ``scoring`` beside the features
they break down: the report (and the borrower's page) must agree with the score to the cent, and
the only way to guarantee that is to compute them from the same validated frames (pandera, via
:func:`scoring.validation.validate`), the same facts known at as-of (:func:`collect_facts`), the
same USD conversion (:mod:`scoring.fx`) and the same masks as :mod:`scoring.features.revenue`.

Per connection, the family functions are reused as they are by treating every connection as its
own borrower (:func:`_per_connection`): ``revenue_features`` then gives each connection's totals
and monthly rate (a borrower's ``monthly_revenue_usd`` is the sum of its connections' rates), and
``reconciliation`` each connection's ordered-vs-settled comparison.

Months are the model's: ``window.months`` blocks of ``days_per_month`` days counted back from
as-of (month 0 is the newest), not calendar months, so that a month's figures are the ones the
consistency sub-score compared. Every amount is USD (major units, float64) at the ECB reference
rate of the fact's UTC day; the app turns them into ``Decimal`` cents for display.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from scoring.facts import Facts, collect_facts
from scoring.features import per_borrower
from scoring.features.revenue import reconciliation, revenue_features
from scoring.fx import NS_PER_DAY
from scoring.params import DEFAULT_PARAMS, Params
from scoring.schemas import Frames
from scoring.validation import validate
from scoring.window import ScoringWindow

__all__ = [
    "Breakdown",
    "ConnectionFiguresFrame",
    "MonthlyFiguresFrame",
    "breakdown",
]

_UTC = {"unit": "ns", "tz": "UTC"}


class MonthlyFiguresFrame(pa.DataFrameModel):
    """One row per connection and model month (every month, zeros included).

    Amounts are USD over the part of the month the connection's data covers (facts outside its
    covered span are left out, as in the score); ``net_revenue_usd`` is
    ``sales_usd - refunds_usd + commission_usd``.
    """

    borrower_id: Series[str]
    connection_id: Series[str]
    platform: Series[str]
    month: Series[int] = pa.Field(ge=0, description="months back from as-of; 0 is the newest")
    month_start: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    month_end: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    covered_days: Series[float] = pa.Field(ge=0.0)
    sales_usd: Series[float] = pa.Field(ge=0.0)
    order_count: Series[int] = pa.Field(ge=0)
    refunds_usd: Series[float] = pa.Field(ge=0.0)
    refund_count: Series[int] = pa.Field(ge=0)
    return_count: Series[int] = pa.Field(ge=0)
    commission_usd: Series[float] = pa.Field(ge=0.0)
    commission_count: Series[int] = pa.Field(ge=0)
    net_revenue_usd: Series[float]

    class Config:
        strict = True
        ordered = True


class ConnectionFiguresFrame(pa.DataFrameModel):
    """One row per connection: window totals, the model's monthly rate, and reconciliation.

    Reconciliation compares order value created in ``[orders_from, orders_to)`` with payouts
    (statement gross) dated ``[payouts_from, payouts_to)``, the same two spans shifted by the
    settlement lag the score uses. ``gap_usd = settled_usd - ordered_usd`` and
    ``gap_share = gap_usd / ordered_usd`` (NaN when nothing was ordered); ``flagged`` is the
    score's verdict (gap beyond tolerance on a material amount). A connection without payouts
    in the window has ``has_payouts`` False and nothing to compare.
    """

    borrower_id: Series[str]
    connection_id: Series[str]
    platform: Series[str]
    covered_days: Series[float] = pa.Field(ge=0.0)
    sales_usd: Series[float] = pa.Field(ge=0.0)
    refunds_usd: Series[float] = pa.Field(ge=0.0)
    commission_usd: Series[float] = pa.Field(ge=0.0)
    monthly_revenue_usd: Series[float]
    has_payouts: Series[bool]
    orders_from: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    orders_to: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    payouts_from: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    payouts_to: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs=_UTC)
    ordered_usd: Series[float] = pa.Field(ge=0.0)
    settled_usd: Series[float]
    gap_usd: Series[float]
    gap_share: Series[float] = pa.Field(nullable=True)
    flagged: Series[bool]

    class Config:
        strict = True
        ordered = True


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The two figure frames of one as-of, and the window they cover."""

    window_start: pd.Timestamp
    window_end: pd.Timestamp
    monthly: pd.DataFrame  # MonthlyFiguresFrame
    connections: pd.DataFrame  # ConnectionFiguresFrame


def _per_connection(facts: Facts) -> Facts:
    """The same facts with every connection as its own borrower (code = connection code)."""
    return dataclasses.replace(
        facts,
        conn_b=np.arange(len(facts.conn_b)),
        ord_b=facts.ord_c,
        ret_b=facts.ret_c,
        com_b=facts.com_c,
    )


def _covered(facts: Facts, conn: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row mask: the fact lies in its connection's covered span (as the revenue family)."""
    return np.asarray((t >= facts.span_start_c[conn]) & (t < facts.span_end_c[conn]))


def _cells(
    conn: np.ndarray, t: np.ndarray, keep: np.ndarray, window: ScoringWindow, n_conn: int
) -> tuple[np.ndarray, np.ndarray]:
    """(cell index ``conn * months + month``, row mask) of the rows kept and inside a month."""
    months = window.params.months
    back = window.month_back(t)
    inside = keep & (back < months)
    return conn[inside] * months + back[inside], inside


def _monthly(facts: Facts, window: ScoringWindow, frame: pd.DataFrame) -> pd.DataFrame:
    n_conn, months = len(facts.conn_b), window.params.months
    size = n_conn * months

    def table(
        conn: np.ndarray, t: np.ndarray, keep: np.ndarray, usd: np.ndarray | None
    ) -> np.ndarray:
        cells, inside = _cells(conn, t, keep, window, n_conn)
        return per_borrower(cells, None if usd is None else usd[inside], size)

    sale = facts.ord_sale & facts.ord_in & _covered(facts, facts.ord_c, facts.ord_t)
    ret_cov = _covered(facts, facts.ret_c, facts.ret_t)
    refunded = facts.ret_refunded & ret_cov
    earned = _covered(facts, facts.com_c, facts.com_t)
    sales = table(facts.ord_c, facts.ord_t, sale, facts.ord_usd)
    refunds = table(facts.ret_c, facts.ret_t, refunded, facts.ret_usd)
    commission = table(facts.com_c, facts.com_t, earned, facts.com_income_usd)

    span = int(window.params.days_per_month * NS_PER_DAY)
    back = np.tile(np.arange(months), n_conn)
    conn = np.repeat(np.arange(n_conn), months)
    end_ns = window.end_ns - back * span
    start_ns = np.maximum(end_ns - span, window.start_ns)
    overlap = np.minimum(end_ns, facts.span_end_c[conn]) - np.maximum(
        start_ns, facts.span_start_c[conn]
    )
    out = pd.DataFrame(
        {
            "borrower_id": frame["borrower_id"].to_numpy(dtype=object)[conn],
            "connection_id": frame["connection_id"].to_numpy(dtype=object)[conn],
            "platform": frame["platform"].to_numpy(dtype=object)[conn],
            "month": back.astype(np.int64),
            "month_start": pd.to_datetime(start_ns, utc=True).as_unit("ns"),
            "month_end": pd.to_datetime(end_ns, utc=True).as_unit("ns"),
            "covered_days": np.maximum(overlap, 0) / NS_PER_DAY,
            "sales_usd": sales,
            "order_count": table(facts.ord_c, facts.ord_t, sale, None).astype(np.int64),
            "refunds_usd": refunds,
            "refund_count": table(facts.ret_c, facts.ret_t, refunded, None).astype(np.int64),
            "return_count": table(
                facts.ret_c, facts.ret_t, facts.ret_counted & ret_cov, None
            ).astype(np.int64),
            "commission_usd": commission,
            "commission_count": table(
                facts.com_c, facts.com_t, earned & ~facts.com_void, None
            ).astype(np.int64),
            "net_revenue_usd": sales - refunds + commission,
        }
    )
    for column in ("borrower_id", "connection_id", "platform"):
        out[column] = out[column].astype("str")
    validated: pd.DataFrame = MonthlyFiguresFrame.validate(out)
    return validated


def _connections(
    facts: Facts, window: ScoringWindow, params: Params, frame: pd.DataFrame
) -> pd.DataFrame:
    per = _per_connection(facts)
    n_conn = len(facts.conn_b)
    revenue = revenue_features(per, n_conn, params.window.days_per_month)
    rec = reconciliation(per, window, params, n_conn)
    has_payouts = per_borrower(facts.set_c, None, n_conn) > 0
    lag = pd.Timedelta(days=params.reconciliation.lag_days)
    ordered = np.where(has_payouts, rec["ordered_usd"], 0.0)
    gap = rec["settled_usd"] - ordered
    with np.errstate(all="ignore"):
        share = np.where(ordered > 0.0, gap / ordered, np.nan)

    def at(when: pd.Timestamp) -> pd.Series:
        return pd.Series([when] * n_conn, dtype="datetime64[ns, UTC]")

    out = pd.DataFrame(
        {
            "borrower_id": frame["borrower_id"].astype("str").to_numpy(),
            "connection_id": frame["connection_id"].astype("str").to_numpy(),
            "platform": frame["platform"].astype("str").to_numpy(),
            "covered_days": (facts.span_end_c - facts.span_start_c) / NS_PER_DAY,
            "sales_usd": revenue["sales_usd"],
            "refunds_usd": revenue["refunds_usd"],
            "commission_usd": revenue["commission_usd"],
            "monthly_revenue_usd": revenue["monthly_revenue_usd"],
            "has_payouts": has_payouts,
            "orders_from": at(window.start),
            "orders_to": at(window.end - lag),
            "payouts_from": at(window.start + lag),
            "payouts_to": at(window.end),
            "ordered_usd": ordered,
            "settled_usd": rec["settled_usd"],
            "gap_usd": gap,
            "gap_share": share,
            "flagged": rec["reconciliation_gap"].astype(bool),
        }
    )
    for column in ("borrower_id", "connection_id", "platform"):
        out[column] = out[column].astype("str")
    validated: pd.DataFrame = ConnectionFiguresFrame.validate(out)
    return validated


def breakdown(
    frames: Frames, as_of: pd.Timestamp | datetime, params: Params | None = None
) -> Breakdown:
    """Per-connection and per-month figures of every connection in ``frames`` as of ``as_of``.

    Parameters
    ----------
    frames
        The seven input frames (validated here against :mod:`scoring.schemas`).
    as_of
        Timezone-aware instant; the score's as-of, so the figures are the ones it used.
    params
        Model parameters; ``scoring/params/v1.toml`` by default.

    Returns
    -------
    Breakdown
        ``monthly`` (a :class:`MonthlyFiguresFrame`, connections in ``frames.connections``
        order, month 0 first) and ``connections`` (a :class:`ConnectionFiguresFrame`).

    Raises
    ------
    scoring.schemas.FramesInvalidError
        If any input frame breaks its contract.
    ValueError
        If ``as_of`` is naive or a currency has no USD rate.
    """
    p = DEFAULT_PARAMS if params is None else params
    window = ScoringWindow.ending_at(as_of, p.window)
    v = validate(frames)
    facts = collect_facts(v, window, p)
    conns = v.frames.connections
    return Breakdown(
        window_start=window.start,
        window_end=window.end,
        monthly=_monthly(facts, window, conns),
        connections=_connections(facts, window, p, conns),
    )
