"""The batch benchmark's lower bound: monthly revenue aggregates of the same frames in DuckDB SQL.

:func:`monthly_revenue_sql` computes, per borrower, the net revenue in USD of each 30-day month
counted back from as-of (``month_0`` is the last 30 days) and ``monthly_revenue_usd``, with the
definition of :func:`scoring.features.revenue.revenue_features`:

* the same facts: known at as-of (``observed_at <= as_of``), dated in the window, of a
  connection in ``connections``, inside the connection's covered span
  (:func:`scoring.coverage.connection_span`);
* sales are orders paid (``paid_at`` before as-of, or without ``paid_at`` a status other than
  ``unpaid``), not free samples, not cancelled before as-of (``cancelled_at``, else
  ``updated_at``); refunds are returns in a refunded status decided before as-of; creator
  commissions count at the settled actual, else the discounted estimate, and nothing when void;
* every amount is converted at the rate of its UTC day from the table scoring itself uses
  (:func:`scoring.fx.rate_table`, registered as the DuckDB table ``rates``);
* ``monthly_revenue_usd`` sums, over a borrower's connections, net revenue divided by the
  connection's covered months (at least one day).

What is not the same: SQL does only these sums, none of the validation (pandera contracts,
borrower/connection consistency), the other feature families, sub-scores, reasons or the output
frame that :func:`scoring.score_frames` builds, which is why it is the lower bound for the work.
Sums run in a different order, so the two agree up to float rounding, not bit for bit.

DuckDB reads the pandas frames in place (``register`` creates views, no copy). Building the rate
table and registering the frames is timed separately from the query (``prepare_seconds``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from scoring import DEFAULT_PARAMS, Frames, Params
from scoring.fx import NS_PER_DAY, rate_table
from scoring.window import ScoringWindow

__all__ = ["SqlResult", "monthly_revenue_sql"]

_FRAMES = ("orders", "returns", "commissions", "connections")

_QUERY = """
WITH conn AS (
    SELECT connection_id, borrower_id, span_start,
           least(greatest(CASE WHEN d_end >= $end_ns - $tolerance_ns THEN $end_ns ELSE d_end END,
                          span_start), $end_ns) AS span_end
    FROM (SELECT connection_id, borrower_id, epoch_ns(data_end) AS d_end,
                 least(greatest(epoch_ns(data_start), $start_ns), $end_ns) AS span_start
          FROM connections)
),
facts AS (
    SELECT connection_id, currency, epoch_ns(created_at) AS t, total_amount AS amount
    FROM orders
    WHERE epoch_ns(observed_at) <= $end_ns
      AND epoch_ns(created_at) >= $start_ns AND epoch_ns(created_at) < $end_ns
      AND NOT is_sample
      AND CASE WHEN paid_at IS NULL THEN upper(status) <> 'UNPAID'
               ELSE epoch_ns(paid_at) < $end_ns END
      AND NOT (upper(status) = 'CANCELLED'
               AND epoch_ns(coalesce(cancelled_at, updated_at)) < $end_ns)
    UNION ALL
    SELECT connection_id, currency, epoch_ns(created_at), -refund_amount
    FROM returns
    WHERE epoch_ns(observed_at) <= $end_ns
      AND epoch_ns(created_at) >= $start_ns AND epoch_ns(created_at) < $end_ns
      AND epoch_ns(updated_at) < $end_ns
      AND list_contains($refunded, upper(status))
    UNION ALL
    SELECT connection_id, currency, epoch_ns(created_at),
           CASE WHEN list_contains($void, upper(status)) THEN 0.0
                WHEN settled AND coalesce(NOT isnan(actual_commission), false)
                    THEN actual_commission
                ELSE estimated_commission * $discount END
    FROM commissions
    WHERE epoch_ns(observed_at) <= $end_ns
      AND epoch_ns(created_at) >= $start_ns AND epoch_ns(created_at) < $end_ns
      AND upper(role) = 'CREATOR'
),
per_connection AS (
    SELECT f.connection_id,
           sum(f.amount * r.usd_per_unit) AS net_usd,
           sum(f.amount * r.usd_per_unit)
               FILTER (WHERE ($end_ns - 1 - f.t) // $month_ns = 0) AS month_0,
           sum(f.amount * r.usd_per_unit)
               FILTER (WHERE ($end_ns - 1 - f.t) // $month_ns = 1) AS month_1,
           sum(f.amount * r.usd_per_unit)
               FILTER (WHERE ($end_ns - 1 - f.t) // $month_ns = 2) AS month_2
    FROM facts f
    JOIN conn c ON c.connection_id = f.connection_id
    JOIN rates r ON r.currency = f.currency AND r.day = f.t // $ns_per_day - $first_day
    WHERE f.t >= c.span_start AND f.t < c.span_end
    GROUP BY f.connection_id
)
SELECT c.borrower_id,
       coalesce(sum(p.month_0), 0.0) AS month_0,
       coalesce(sum(p.month_1), 0.0) AS month_1,
       coalesce(sum(p.month_2), 0.0) AS month_2,
       coalesce(sum(p.net_usd / (greatest((c.span_end - c.span_start) / $ns_per_day, 1.0)
                                 / $days_per_month)), 0.0) AS monthly_revenue_usd
FROM conn c
LEFT JOIN per_connection p ON p.connection_id = c.connection_id
GROUP BY c.borrower_id
ORDER BY c.borrower_id
"""


@dataclass(frozen=True)
class SqlResult:
    """Per-borrower aggregates (sorted by ``borrower_id``) and the seconds they took."""

    aggregates: pd.DataFrame
    prepare_seconds: float
    query_seconds: float
    threads: int  # DuckDB's worker threads for the query


def _rates(frames: Frames, window: ScoringWindow) -> pd.DataFrame:
    """The USD rate of every currency of the frames on every day of the window, long form."""
    names = sorted(
        {str(c) for n in ("orders", "returns", "commissions") for c in getattr(frames, n).currency}
    )
    currencies = np.array(names, dtype=object)
    table = rate_table(currencies, window.first_day, window.n_days, frames.fx_rates)
    return pd.DataFrame(
        {
            "currency": np.repeat(currencies, window.n_days),
            "day": np.tile(np.arange(window.n_days, dtype=np.int64), len(currencies)),
            "usd_per_unit": table.ravel(),
        }
    )


def monthly_revenue_sql(
    frames: Frames,
    as_of: pd.Timestamp | datetime,
    params: Params | None = None,
    *,
    threads: int | None = None,
) -> SqlResult:
    """Monthly revenue aggregates per borrower computed by DuckDB (see module doc), on
    ``threads`` threads (default: DuckDB's, one per core).

    Columns: ``borrower_id``, ``month_0``, ``month_1``, ``month_2`` (USD, month 0 the latest)
    and ``monthly_revenue_usd`` (USD per month over the covered span, as scoring defines it).
    """
    p = DEFAULT_PARAMS if params is None else params
    window = ScoringWindow.ending_at(as_of, p.window)
    started = time.perf_counter()
    con = duckdb.connect(config={} if threads is None else {"threads": threads})
    try:
        ((used,),) = con.execute("SELECT current_setting('threads')").fetchall()
        con.register("rates", _rates(frames, window))
        for name in _FRAMES:
            con.register(name, getattr(frames, name))
        prepared = time.perf_counter() - started
        started = time.perf_counter()
        out = con.execute(
            _QUERY,
            {
                "start_ns": window.start_ns,
                "end_ns": window.end_ns,
                "tolerance_ns": int(p.window.pending_tolerance_days * NS_PER_DAY),
                "month_ns": int(p.window.days_per_month * NS_PER_DAY),
                "days_per_month": p.window.days_per_month,
                "ns_per_day": NS_PER_DAY,
                "first_day": window.first_day,
                "refunded": sorted(s.upper() for s in p.revenue.refunded_return_statuses),
                "void": sorted(s.upper() for s in p.revenue.void_commission_statuses),
                "discount": p.revenue.unsettled_commission_discount,
            },
        ).df()
        queried = time.perf_counter() - started
    finally:
        con.close()
    return SqlResult(
        aggregates=out,
        prepare_seconds=prepared,
        query_seconds=queried,
        threads=int(used),
    )
