"""Batch-scoring benchmark: synthetic frames for many borrowers, scored end to end.

Run ``python -m bench.scoring_batch`` (defaults: 100,000 borrowers x ~100 orders). It generates
the seven input frames with numpy (one seller connection per borrower, a creator connection for
one in five, one connection in twenty showing only 60 days, several currencies including
zero-decimal IDR, VND and JPY, returns, weekly settlements, some shop-health snapshots), times
:func:`scoring.score_frames` on all of them on one thread per core (``--threads``, as DuckDB
runs) and again on one thread, then times the same function called once per borrower over a
sample and extrapolates that loop to every borrower. It prints order rows, seconds, order rows
per second, the loop ratio and the process's peak resident memory; ``--json PATH`` writes the
same figures. It then computes the monthly revenue aggregates of the same frames in DuckDB SQL
(:mod:`bench.scoring_sql`, the lower bound for this work) on the same threads and on one, and
prints the ratio of the pandas end-to-end time to the DuckDB query time for each. ``--dask``
also times the batch on a Dask LocalCluster (:mod:`bench.scoring_dask`).

This is a benchmark that prints figures, never a test that depends on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.scoring_dask import dask_seconds
from bench.scoring_sql import monthly_revenue_sql
from scoring import Frames, score_frames
from scoring.fx import NS_PER_DAY
from scoring.schemas import ORDER_STATUSES, empty_frame

__all__ = ["AS_OF", "BenchResult", "generate_frames", "main", "run"]

AS_OF = pd.Timestamp("2025-06-01T00:00:00Z")
#: Currency, share of connections, typical order value in that currency's major units.
CURRENCIES = (
    ("USD", 0.45, 30.0),
    ("GBP", 0.15, 24.0),
    ("EUR", 0.10, 28.0),
    ("IDR", 0.12, 150_000.0),
    ("VND", 0.10, 600_000.0),
    ("JPY", 0.08, 4_000.0),
)
_STATUS_P = (0.01, 0.01, 0.03, 0.05, 0.15, 0.70, 0.05)  # aligned with ORDER_STATUSES
_HOUR = 3600 * 10**9


def _ids(prefix: str, n: int) -> np.ndarray:
    """``prefix0 .. prefix{n-1}`` as an object array of str."""
    return np.char.add(prefix, np.arange(n).astype("U12")).astype(object)


def _utc(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(ns, utc=True).as_unit("ns"))


def _utc_nullable(ns: np.ndarray, present: np.ndarray) -> pd.Series:
    values = ns.astype("datetime64[ns]")
    values[~present] = np.datetime64("NaT")
    return pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"))


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")


def _base(borrower: np.ndarray, connection: np.ndarray, platform: str) -> dict[str, pd.Series]:
    return {
        "borrower_id": _text(borrower),
        "connection_id": _text(connection),
        "platform": _text(np.full(len(borrower), platform, dtype=object)),
    }


def generate_frames(borrowers: int, orders_per_borrower: int, seed: int = 7) -> Frames:
    """Synthetic input frames: ``borrowers`` x about ``orders_per_borrower`` orders (numpy)."""
    rng = np.random.default_rng(seed)
    as_of = AS_OF.value
    day = NS_PER_DAY
    b_ids = _ids("b", borrowers)

    # Connections: one seller shop each; a creator account for one borrower in five.
    creators = np.flatnonzero(rng.random(borrowers) < 0.2)
    conn_b = np.concatenate([np.arange(borrowers), creators])
    n_conn = conn_b.size
    role = np.where(np.arange(n_conn) < borrowers, "seller", "creator").astype(object)
    cur_names = np.array([c for c, _, _ in CURRENCIES], dtype=object)
    cur_share = np.array([s for _, s, _ in CURRENCIES])
    cur_scale = np.array([v for _, _, v in CURRENCIES])
    conn_cur = rng.choice(len(CURRENCIES), size=n_conn, p=cur_share / cur_share.sum())
    conn_ids = _ids("c", n_conn)
    # One connection in twenty sees 60 days (Shopify without read_all_orders): its data starts
    # there, so the batch also runs the limited-coverage paths (older orders fall outside it).
    visible = np.where(rng.random(n_conn) < 0.05, 60.0, np.nan)
    data_days = np.where(np.isnan(visible), 90.0, visible)
    connections = pd.DataFrame(
        {
            **_base(b_ids[conn_b], conn_ids, "tiktok_shop"),
            "role": _text(role),
            "region": _text(np.full(n_conn, "US", dtype=object)),
            "currency": _text(cur_names[conn_cur]),
            "seller_type": _text(
                rng.choice(np.array(["LOCAL", "CROSS_BORDER"], dtype=object), n_conn)
            ),
            "shop_created_at": _utc(as_of - rng.integers(10, 1500, n_conn) * day),
            "data_start": _utc(as_of - (data_days * day).astype(np.int64)),
            "data_end": _utc(np.full(n_conn, as_of)),
            "sync_complete": rng.random(n_conn) > 0.01,
            "visible_days": pd.array(visible, dtype="Int64"),
        }
    )

    # Orders of the seller shops, with a per-shop trend so growth varies.
    counts = rng.poisson(orders_per_borrower, borrowers)
    n = int(counts.sum())
    ob = np.repeat(np.arange(borrowers), counts)
    trend = rng.normal(0.0, 0.6, borrowers)[ob]
    u = rng.random(n)
    # Inverse CDF of a linear density over the window: recent days heavier when trend > 0.
    age = 95.0 * np.where(
        np.abs(trend) < 1e-6,
        u,
        (1 + trend - np.sqrt((1 + trend) ** 2 - 4 * trend * u)) / (2 * trend),
    )
    age = np.clip(age, 0.0, 95.0)
    created = as_of - (age * day).astype(np.int64) - 1
    status_i = rng.choice(len(ORDER_STATUSES), size=n, p=_STATUS_P)
    statuses = np.array(ORDER_STATUSES, dtype=object)
    cur = conn_cur[ob]
    amount = np.round(rng.lognormal(0.0, 0.6, n) * cur_scale[cur], 2)
    updated = np.minimum(created + rng.integers(1, 96, n) * _HOUR, as_of - 1)
    unpaid = statuses[status_i] == "unpaid"
    cancelled = statuses[status_i] == "cancelled"
    delivered = np.isin(status_i, [4, 5])
    orders = pd.DataFrame(
        {
            **_base(b_ids[ob], conn_ids[ob], "tiktok_shop"),
            "order_id": _text(_ids("o", n)),
            "created_at": _utc(created),
            "updated_at": _utc(updated),
            "observed_at": _utc(created + _HOUR),
            "status": _text(statuses[status_i]),
            "currency": _text(cur_names[cur]),
            "total_amount": amount,
            "is_sample": rng.random(n) < 0.01,
            "paid_at": _utc_nullable(created + 60 * 10**9, ~unpaid),
            "cancelled_at": _utc_nullable(updated, cancelled),
            "delivered_at": _utc_nullable(updated, delivered),
            "buyer_ref": _text(_ids("u", 5000)[rng.integers(0, 5000, n)]),
        }
    )

    # Returns of about 5 % of orders.
    picked = np.flatnonzero(rng.random(n) < 0.05)
    m = picked.size
    r_status = np.array(
        ["RETURN_OR_REFUND_REQUEST_COMPLETE", "RETURN_OR_REFUND_REQUEST_PENDING",
         "RETURN_OR_REFUND_REQUEST_CANCEL"], dtype=object,
    )  # fmt: skip
    r_created = np.minimum(created[picked] + rng.integers(1, 200, m) * _HOUR, as_of - 1)
    returns = pd.DataFrame(
        {
            **_base(b_ids[ob[picked]], conn_ids[ob[picked]], "tiktok_shop"),
            "return_id": _text(_ids("r", m)),
            "order_id": _text(orders["order_id"].to_numpy(dtype=object)[picked]),
            "created_at": _utc(r_created),
            "updated_at": _utc(np.minimum(r_created + 48 * _HOUR, as_of - 1)),
            "observed_at": _utc(r_created + _HOUR),
            "status": _text(r_status[rng.choice(3, m, p=(0.7, 0.2, 0.1))]),
            "return_type": _text(np.full(m, "RETURN_AND_REFUND", dtype=object)),
            "currency": _text(cur_names[cur[picked]]),
            "refund_amount": np.round(amount[picked] * rng.uniform(0.3, 1.0, m), 2),
        }
    )

    # Commissions of the creator accounts: ~40 each over the window.
    creator_conn = np.arange(borrowers, n_conn)
    c_counts = rng.poisson(40, creator_conn.size)
    cc = np.repeat(creator_conn, c_counts)
    k = cc.size
    c_created = as_of - (rng.uniform(0, 95, k) * day).astype(np.int64) - 1
    settled = (as_of - c_created) > 20 * day
    estimate = np.round(rng.lognormal(0.0, 0.5, k) * 0.15 * cur_scale[conn_cur[cc]], 2)
    commissions = pd.DataFrame(
        {
            **_base(b_ids[conn_b[cc]], conn_ids[cc], "tiktok_shop"),
            "order_id": _text(_ids("a", k)),
            "created_at": _utc(c_created),
            "observed_at": _utc(c_created + _HOUR),
            "role": _text(np.full(k, "creator", dtype=object)),
            "status": _text(np.where(settled, "SETTLED", "ORDERED").astype(object)),
            "currency": _text(cur_names[conn_cur[cc]]),
            "estimated_commission": estimate,
            "actual_commission": np.where(settled, np.round(estimate * 0.95, 2), np.nan),
            "settled": settled,
        }
    )

    # Weekly statements per shop settling its delivered orders of the week before.
    weeks = 13
    week = np.minimum((as_of - 1 - created) // (7 * day), weeks - 1)
    gross = np.bincount(ob * weeks + week, weights=np.where(delivered, amount, 0.0),
                        minlength=borrowers * weeks)  # fmt: skip
    s_b = np.repeat(np.arange(borrowers), weeks)
    s_week = np.tile(np.arange(weeks), borrowers)
    revenue = np.round(gross * 0.9, 2)
    settlements = pd.DataFrame(
        {
            **_base(b_ids[s_b], conn_ids[s_b], "tiktok_shop"),
            "statement_id": _text(_ids("s", s_b.size)),
            "statement_time": _utc(as_of - (s_week * 7 + 1) * day),
            "observed_at": _utc(as_of - (s_week * 7 + 1) * day + _HOUR),
            "currency": _text(cur_names[conn_cur[s_b]]),
            "settlement_amount": np.round(revenue * 0.85, 2),
            "revenue_amount": revenue,
            "fee_amount": np.round(-revenue * 0.15, 2),
        }
    )

    # Shop health for a third of the shops.
    h = np.flatnonzero(rng.random(borrowers) < 0.33)
    shop_health = pd.DataFrame(
        {
            **_base(b_ids[h], conn_ids[h], "tiktok_shop"),
            "observed_at": _utc(np.full(h.size, as_of - 2 * day)),
            "rating": np.round(rng.uniform(3.0, 5.0, h.size), 1),
            "violations": pd.array(rng.poisson(0.5, h.size), dtype="Int64"),
            "on_time_delivery_rate": np.round(rng.uniform(0.8, 1.0, h.size), 3),
        }
    )
    return Frames(
        orders=orders,
        returns=returns,
        commissions=commissions,
        settlements=settlements,
        shop_health=shop_health,
        connections=connections,
        fx_rates=empty_frame(Frames.SCHEMAS["fx_rates"]),
    )


def split_by_borrower(frames: Frames, borrower_ids: Sequence[str]) -> list[Frames]:
    """One ``Frames`` per borrower of ``borrower_ids`` (for the per-borrower loop)."""
    wanted = set(borrower_ids)
    groups: dict[str, dict[str, pd.DataFrame]] = {b: {} for b in borrower_ids}
    for name in Frames.SCHEMAS:
        frame: pd.DataFrame = getattr(frames, name)
        if "borrower_id" not in frame:
            for b in borrower_ids:
                groups[b][name] = frame
            continue
        subset = frame[frame["borrower_id"].isin(wanted)]
        parts = dict(tuple(subset.groupby("borrower_id", sort=False)))
        for b in borrower_ids:
            groups[b][name] = parts.get(b, frame.iloc[:0])
    return [Frames(**groups[b]) for b in borrower_ids]


@dataclass(frozen=True)
class BenchResult:
    """The figures the benchmark prints (seconds, rows, ratios, MiB)."""

    borrowers: int
    order_rows: int
    other_rows: int
    generate_seconds: float
    first_call_seconds: float
    # score_frames on ``score_threads`` threads (one per core unless told), then on one.
    score_threads: int
    score_seconds: float
    order_rows_per_second: float
    score_one_thread_seconds: float
    loop_sample: int
    loop_seconds_per_borrower: float
    loop_seconds_extrapolated: float
    speedup_vs_loop: float
    peak_rss_mib: float
    sql_prepare_seconds: float
    sql_query_seconds: float
    sql_order_rows_per_second: float
    score_vs_sql: float
    sql_max_abs_diff_usd: float
    sql_threads: int
    sql_one_thread_query_seconds: float
    score_vs_sql_one_thread: float
    dask_seconds: float | None = None
    dask_order_rows_per_second: float | None = None


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(
    borrowers: int,
    orders_per_borrower: int,
    loop_sample: int,
    seed: int = 7,
    dask: bool = False,
    threads: int | None = None,
) -> BenchResult:
    """Generate, score in one batch (on ``threads`` threads, one per core by default, then on
    one), score a sample one borrower at a time; the figures."""
    threads = threads or os.cpu_count() or 1
    started = time.perf_counter()
    frames = generate_frames(borrowers, orders_per_borrower, seed)
    generated = time.perf_counter() - started

    ids = sorted(frames.connections["borrower_id"].unique())
    sample = [str(b) for b in ids[: max(1, min(loop_sample, len(ids)))]]
    singles = split_by_borrower(frames, sample)
    # A process's first call imports pandera's backends and builds the schemas; a worker
    # pays that once, not per batch, so it is timed apart (as DuckDB's registration is).
    started = time.perf_counter()
    score_frames(singles[0], AS_OF)
    first_call = time.perf_counter() - started

    started = time.perf_counter()
    scores = score_frames(frames, AS_OF, workers=threads)
    batch = time.perf_counter() - started
    assert len(scores) == borrowers
    started = time.perf_counter()
    one_thread_scores = score_frames(frames, AS_OF)
    batch_one_thread = time.perf_counter() - started
    assert one_thread_scores.equals(scores)

    started = time.perf_counter()
    for single in singles:
        score_frames(single, AS_OF)
    per_borrower = (time.perf_counter() - started) / len(singles)
    peak_rss = _peak_rss_mib()  # of the pandas runs, before DuckDB and Dask add theirs

    # DuckDB after the pandas runs, so neither warms the other's caches; registration is
    # reported apart from the query (see bench.scoring_sql).
    sql = monthly_revenue_sql(frames, AS_OF, threads=threads)
    sql_one_thread = monthly_revenue_sql(frames, AS_OF, threads=1)
    scored = scores["status"].to_numpy() == "scored"
    sql_monthly = sql.aggregates["monthly_revenue_usd"].to_numpy()
    # scores round monthly revenue to cents, so agreement is within half a cent.
    diff = np.abs(sql_monthly[scored] - scores["monthly_revenue_usd"].to_numpy()[scored])

    order_rows = len(frames.orders)
    dask_s = dask_seconds(frames, AS_OF, scores) if dask else None
    other = sum(len(getattr(frames, n)) for n in Frames.SCHEMAS) - order_rows
    extrapolated = per_borrower * borrowers
    return BenchResult(
        borrowers=borrowers,
        order_rows=order_rows,
        other_rows=other,
        generate_seconds=round(generated, 3),
        first_call_seconds=round(first_call, 3),
        score_threads=threads,
        score_seconds=round(batch, 3),
        order_rows_per_second=round(order_rows / batch, 1),
        score_one_thread_seconds=round(batch_one_thread, 3),
        loop_sample=len(singles),
        loop_seconds_per_borrower=round(per_borrower, 5),
        loop_seconds_extrapolated=round(extrapolated, 1),
        # the loop runs on one thread: compared with the batch on one thread
        speedup_vs_loop=round(extrapolated / batch_one_thread, 1),
        peak_rss_mib=round(peak_rss, 1),
        sql_prepare_seconds=round(sql.prepare_seconds, 3),
        sql_query_seconds=round(sql.query_seconds, 3),
        sql_order_rows_per_second=round(order_rows / sql.query_seconds, 1),
        score_vs_sql=round(batch / sql.query_seconds, 2),
        sql_max_abs_diff_usd=float(diff.max()) if diff.size else 0.0,
        sql_threads=sql.threads,
        sql_one_thread_query_seconds=round(sql_one_thread.query_seconds, 3),
        score_vs_sql_one_thread=round(batch_one_thread / sql_one_thread.query_seconds, 2),
        dask_seconds=None if dask_s is None else round(dask_s, 3),
        dask_order_rows_per_second=None if dask_s is None else round(order_rows / dask_s, 1),
    )


def main(argv: Sequence[str] | None = None) -> BenchResult:
    """Command line: parse options, run, print the figures (and write them as JSON)."""
    parser = argparse.ArgumentParser(prog="python -m bench.scoring_batch", description=__doc__)
    parser.add_argument("--borrowers", type=int, default=100_000)
    parser.add_argument("--orders-per-borrower", type=int, default=100)
    parser.add_argument("--loop-sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--dask", action="store_true", help="also score on a Dask LocalCluster")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for the batch and DuckDB (default: cores)",
    )
    args = parser.parse_args(argv)
    result = run(
        args.borrowers,
        args.orders_per_borrower,
        args.loop_sample,
        args.seed,
        args.dask,
        args.threads,
    )
    print(f"borrowers                 {result.borrowers:,}")
    print(f"order rows                {result.order_rows:,} (+{result.other_rows:,} other rows)")
    print(f"generate                  {result.generate_seconds:.2f} s (not timed below)")
    print(
        f"first call in a process   {result.first_call_seconds:.2f} s "
        "(one borrower: imports and schemas, not timed below)"
    )
    print(
        f"score_frames, batch       {result.score_seconds:.2f} s on {result.score_threads} "
        f"threads, {result.score_one_thread_seconds:.2f} s on one"
    )
    print(f"order rows per second     {result.order_rows_per_second:,.0f}")
    print(
        f"per-borrower loop         {result.loop_seconds_per_borrower * 1000:.1f} ms/borrower, "
        f"measured over {result.loop_sample} borrowers and extrapolated to "
        f"{result.borrowers:,}: {result.loop_seconds_extrapolated:,.0f} s"
    )
    print(f"batch vs loop             {result.speedup_vs_loop:,.1f}x (both on one thread)")
    print(f"peak RSS (process)        {result.peak_rss_mib:,.0f} MiB")
    print(
        f"DuckDB monthly revenue    {result.sql_query_seconds:.2f} s query "
        f"({result.sql_order_rows_per_second:,.0f} order rows/s), "
        f"+{result.sql_prepare_seconds:.2f} s rates and registration"
    )
    print(
        f"pandas vs DuckDB          {result.score_vs_sql:,.2f}x the time "
        f"(both on {result.sql_threads} threads; "
        f"monthly revenue agrees within {result.sql_max_abs_diff_usd:.4f} USD)"
    )
    print(
        f"DuckDB on one thread      {result.sql_one_thread_query_seconds:.2f} s query: "
        f"pandas on one thread takes {result.score_vs_sql_one_thread:,.2f}x the time"
    )
    if result.dask_seconds is not None:
        print(
            f"Dask LocalCluster         {result.dask_seconds:.2f} s, "
            f"{result.dask_order_rows_per_second:,.0f} order rows/s (same scores)"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
