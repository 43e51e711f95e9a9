"""Ingestion: a 90-day backfill of a large TikTok Shop shop at the platform's rate limit.

Run ``python -m bench.ingestion`` (defaults: a 20,000-order shop timed, peak memory at 5,000 and
50,000 orders, PostgreSQL when the test server answers, else SQLite). The sandbox serves on
127.0.0.1 as a real uvicorn server (`creditscore sandbox serve`) with a simulated platform
latency of 200 ms per request and its 50 requests per second limit enforced (answers 429 past
it). Each shop size is a scale persona (``scale_<orders>``: exactly that many orders over the 89
days before the anchor, so a 90-day window holds all of them), pulled in its own process on a
fresh database through the app's real path: the connection made with an authorization code
(``connect_tiktok_shop``), then ``pull_connection(full=True)``, the backfill a new connection
gets, with every stream (orders, returns, statements, affiliate orders); the startup heap is
frozen before the pull as the worker does (``app.runtime.freeze_startup_heap``).

It prints, for the timed size: pages fetched (successful API answers), the wall time of the
pull, the bound the rate limit sets (pages / 50 per second: no client can be faster), their
ratio (target at most 1.25), the 429 answers seen, and the rows stored beside the sandbox's
ground truth for the same window (they must be equal); for every size, the pulling process's
peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the kernel's high-water
mark, read in the child at the end of its pull; the process holds the app, its database pool and
its HTTP client, so a constant part is the interpreter and its imports). The target is memory
that does not grow with the shop: the pull commits every page with its checkpoint. The sandbox
server runs in another process and is not counted.

The machine's load average before and after is printed with the figures: the pull, the sandbox
and the database share its cores. ``--json PATH`` writes the figures. Rows stored differing from
the ground truth, a pull that does not complete, or an error make the exit status 1; slowness
never does: this is a benchmark that prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.served import (
    CLI,
    DEFAULT_POSTGRES_ADMIN_URL,
    HOST,
    free_port,
    serve_command,
    service_env,
    throwaway_postgres,
)

__all__ = ["IngestionResult", "Options", "PullFigures", "main", "run"]

TARGET_RATIO = 1.25
WINDOW_DAYS = 90
_CONTROL = "/_sandbox/tiktok_shop"


@dataclass(frozen=True)
class Options:
    orders: int = 20_000
    memory_sizes: tuple[int, ...] = (5_000, 50_000)
    database: str = "auto"  # "postgresql", "sqlite", or "auto" (PostgreSQL when it answers)
    postgres_admin_url: str = DEFAULT_POSTGRES_ADMIN_URL
    latency_ms: int = 200
    rate_limit_per_second: int = 50
    slice_days: float | None = None  # None: the app's default (CS_TIKTOK_SHOP__SLICE_DAYS)


@dataclass(frozen=True)
class PullFigures:
    """One pull, as the child process measured it."""

    orders: int
    pages: int
    wall_seconds: float
    rate_limited_responses: int
    other_errors: int
    status: str
    rows_stored: int
    rows_by_kind: dict[str, int]
    peak_rss_mib: float
    rss_before_pull_mib: float
    cpu_seconds: float


@dataclass(frozen=True)
class IngestionResult:
    orders: int
    pages: int
    wall_seconds: float
    bound_seconds: float
    ratio_to_bound: float
    target_ratio: float
    ratio_met: bool
    rate_limit_per_second: int
    latency_ms: int
    rate_limited_responses: int
    # CPU time (user + system) of the pulling process during the pull: near the wall time,
    # the pull is bound by its own processing rather than by the platform's rate
    pull_cpu_seconds: float
    rows_stored: int
    rows_expected: int
    rows_by_kind: dict[str, int]
    expected_by_kind: dict[str, int]
    database: str
    memory_measure: str
    peak_rss_mib: dict[str, float]
    rss_before_pull_mib: dict[str, float]
    load_average_before: float
    load_average_after: float
    cpu_count: int
    errors: int
    error_samples: list[str] = field(default_factory=list)


# -- the child: one pull in its own process ---------------------------------------------------


class CountingTransport(httpx.AsyncBaseTransport):
    """The platform transport of the pulling app, counting the open API's answers by status."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.statuses: dict[int, int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "/tiktok-shop/api/" in request.url.path:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mib() -> float:
    # Linux reports ru_maxrss in KiB
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _pull(orders: int, sandbox_url: str, now: datetime) -> PullFigures:
    """Connect ``scale_<orders>`` through the app and backfill it: the figures."""
    from sqlalchemy import func, select

    from app.config import Settings
    from app.connections.tiktok_shop import connect_tiktok_shop
    from app.db import transaction
    from app.jobs.in_process import InProcessQueue
    from app.models import AffiliateCommission, Borrower, Order, Return, Settlement
    from app.runtime import freeze_startup_heap, open_context
    from app.sync.service import pull_connection

    transport = CountingTransport()
    async with (
        open_context(Settings(), platform_transport=transport, queue=InProcessQueue) as ctx,
        httpx.AsyncClient(base_url=sandbox_url, timeout=120) as control,
    ):
        answer = await control.post(f"{_CONTROL}/authorize", json={"persona": f"scale_{orders}"})
        code = answer.raise_for_status().json()["code"]
        async with transaction(ctx.sessions) as session:
            borrower = Borrower(subject=f"bench-ingestion-{orders}", display_name="bench")
            session.add(borrower)
            await session.flush()
            (connection,) = await connect_tiktok_shop(ctx, session, borrower, code)
            connection_id = connection.id
        transport.statuses.clear()
        freeze_startup_heap()  # as the worker and `creditscore sync` do once started
        before = _rss_mib()
        started, cpu = time.perf_counter(), _cpu_seconds()
        outcome = await pull_connection(ctx, connection_id, now=now, full=True)
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        kinds: dict[str, Any] = {  # the tables of the four streams' records
            "orders": Order,
            "returns": Return,
            "statements": Settlement,
            "seller_affiliate_orders": AffiliateCommission,
        }
        rows: dict[str, int] = {}
        async with transaction(ctx.sessions) as session:
            for name, model in kinds.items():
                counting = select(func.count()).select_from(model)
                count = await session.scalar(counting.where(model.connection_id == connection_id))
                rows[name] = int(count or 0)
    statuses = transport.statuses
    return PullFigures(
        orders=orders,
        pages=statuses.get(200, 0),
        wall_seconds=round(wall, 3),
        rate_limited_responses=statuses.get(429, 0),
        other_errors=sum(n for s, n in statuses.items() if s not in (200, 429)),
        status=outcome.status if outcome.error is None else f"{outcome.status}: {outcome.error}",
        rows_stored=sum(rows.values()),
        rows_by_kind=rows,
        peak_rss_mib=_rss_mib(),
        rss_before_pull_mib=before,
        cpu_seconds=round(cpu, 2),
    )


# -- the parent: sandbox server, databases, children --------------------------------------------


@contextmanager
def _sandbox(workdir: Path, options: Options) -> Iterator[str]:
    """`creditscore sandbox serve` on a free loopback port, latency and rate limit set."""
    port = free_port()
    env = service_env(None, workdir)
    command = [*CLI, "sandbox", "serve", "--host", HOST, "--port", str(port)]
    log = workdir / "sandbox.log"
    with serve_command(command, port, env, log, ready_path="/_sandbox/personas") as sandbox:
        settings = {
            "latency_ms": options.latency_ms,
            "rate_limit_per_second": options.rate_limit_per_second,
        }
        control = f"{sandbox.base_url}{_CONTROL}/settings"
        httpx.post(control, json=settings, timeout=10).raise_for_status()
        yield sandbox.base_url


def _postgres_answers(admin_url: str) -> bool:
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def _database(options: Options, database: str) -> Iterator[str | None]:
    """A fresh database URL (None: the service's SQLite default in the child's data dir)."""
    if database == "sqlite":
        yield None
    else:
        with throwaway_postgres(options.postgres_admin_url, "creditscore_ingest") as url:
            yield url


def _truth(sandbox_url: str, orders: int, now: datetime) -> dict[str, int]:
    """What the sandbox holds for the pull's window, per kind (the generator runs here once)."""
    start = int((now - timedelta(days=WINDOW_DAYS)).timestamp())
    answer = httpx.get(
        f"{sandbox_url}{_CONTROL}/ground-truth/scale_{orders}",
        params={"start": start, "end": int(now.timestamp())},
        timeout=600,
    )
    truth = answer.raise_for_status().json()
    kinds = ("orders", "returns", "statements", "seller_affiliate_orders")
    return {kind: int(truth[kind]["count"]) for kind in kinds}


def _run_child(
    orders: int,
    sandbox_url: str,
    now: datetime,
    database_url: str | None,
    workdir: Path,
    options: Options,
) -> PullFigures:
    root = sandbox_url + "/tiktok-shop"
    settings = {
        "CS_TIKTOK_SHOP__AUTHORIZE_URL": f"{root}/authorize",
        "CS_TIKTOK_SHOP__AUTH_BASE_URL": f"{root}/auth",
        "CS_TIKTOK_SHOP__API_BASE_URL": f"{root}/api",
        "CS_TIKTOK_SHOP__REQUESTS_PER_SECOND": str(options.rate_limit_per_second),
        "CS_JOBS__SCHEDULE": "false",
    }
    if options.slice_days is not None:
        settings["CS_TIKTOK_SHOP__SLICE_DAYS"] = str(options.slice_days)
    env = service_env(database_url, workdir, settings, worker_in_api=False)
    command = [sys.executable, "-m", "bench.ingestion", "--child-orders", str(orders)]
    command += ["--child-sandbox", sandbox_url, "--child-now", now.isoformat()]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        command, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the pull of {orders} orders failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return PullFigures(**json.loads(lines[-1]))


def run(options: Options) -> IngestionResult:
    """Serve the sandbox, pull each size in its own process on its own database: the figures."""
    database = options.database
    if database == "auto":
        database = "postgresql" if _postgres_answers(options.postgres_admin_url) else "sqlite"
    sizes = sorted({options.orders, *options.memory_sizes})
    load_before = os.getloadavg()[0]
    pulls: dict[int, PullFigures] = {}
    truths: dict[int, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="creditscore-ingestion-") as tmp:
        workdir = Path(tmp)
        with _sandbox(workdir, options) as sandbox_url:
            for orders in sizes:
                # whole seconds: the window is sent and compared in unix seconds
                now = datetime.now(UTC).replace(microsecond=0)
                truths[orders] = _truth(sandbox_url, orders, now)
                child_dir = workdir / f"pull-{orders}"
                child_dir.mkdir()
                with _database(options, database) as url:
                    pulls[orders] = _run_child(orders, sandbox_url, now, url, child_dir, options)
    load_after = os.getloadavg()[0]
    return _result(options, database, pulls, truths, (load_before, load_after))


def _result(
    options: Options,
    database: str,
    pulls: dict[int, PullFigures],
    truths: dict[int, dict[str, int]],
    load: tuple[float, float],
) -> IngestionResult:
    timed, expected = pulls[options.orders], truths[options.orders]
    bound = timed.pages / options.rate_limit_per_second
    ratio = timed.wall_seconds / bound if bound else 0.0
    samples: list[str] = []
    for orders, pull in pulls.items():
        if pull.rows_by_kind != truths[orders]:
            samples.append(f"{orders} orders: stored {pull.rows_by_kind}, truth {truths[orders]}")
        if pull.status != "complete":
            samples.append(f"{orders} orders: pull ended {pull.status}")
        if pull.other_errors:
            samples.append(f"{orders} orders: {pull.other_errors} answers neither 200 nor 429")
    return IngestionResult(
        orders=options.orders,
        pages=timed.pages,
        wall_seconds=timed.wall_seconds,
        bound_seconds=round(bound, 3),
        ratio_to_bound=round(ratio, 3),
        target_ratio=TARGET_RATIO,
        ratio_met=0 < ratio <= TARGET_RATIO,
        rate_limit_per_second=options.rate_limit_per_second,
        latency_ms=options.latency_ms,
        rate_limited_responses=timed.rate_limited_responses,
        pull_cpu_seconds=timed.cpu_seconds,
        rows_stored=timed.rows_stored,
        rows_expected=sum(expected.values()),
        rows_by_kind=timed.rows_by_kind,
        expected_by_kind=expected,
        database=database,
        memory_measure=(
            "peak RSS of the pulling process: resource.getrusage(RUSAGE_SELF).ru_maxrss "
            "at the end of the pull"
        ),
        peak_rss_mib={str(n): p.peak_rss_mib for n, p in sorted(pulls.items())},
        rss_before_pull_mib={str(n): p.rss_before_pull_mib for n, p in sorted(pulls.items())},
        load_average_before=round(load[0], 2),
        load_average_after=round(load[1], 2),
        cpu_count=os.cpu_count() or 0,
        errors=len(samples),
        error_samples=samples,
    )


def print_result(r: IngestionResult) -> None:
    met = "met" if r.ratio_met else "NOT met"
    print(f"database                  {r.database}")
    print(
        f"sandbox                   uvicorn on 127.0.0.1, {r.latency_ms} ms per request, "
        f"{r.rate_limit_per_second} requests/s enforced"
    )
    print(
        f"machine                   {r.cpu_count} cores shared by the pull, the sandbox and the "
        f"database; load average {r.load_average_before:.2f} -> {r.load_average_after:.2f}"
    )
    print(f"shop                      {r.orders:,} orders, 90-day backfill, every stream")
    print(f"pages fetched             {r.pages:,}")
    print(f"wall time                 {r.wall_seconds:.2f} s")
    print(f"pulling process CPU       {r.pull_cpu_seconds:.2f} s")
    print(f"bound (pages / rate)      {r.bound_seconds:.2f} s")
    print(f"ratio to bound            {r.ratio_to_bound:.3f} (target <= {r.target_ratio}: {met})")
    print(f"429 answers               {r.rate_limited_responses}")
    print(f"rows stored / expected    {r.rows_stored:,} / {r.rows_expected:,} {r.rows_by_kind}")
    for orders, mib in r.peak_rss_mib.items():
        print(
            f"peak RSS at {int(orders):>7,} orders {mib:8.1f} MiB "
            f"(before the pull {r.rss_before_pull_mib[orders]:.1f} MiB)"
        )
    print(f"memory measure            {r.memory_measure}")
    print(f"errors                    {r.errors}")
    for line in r.error_samples:
        print(f"  {line}")


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.ingestion", description=__doc__)
    parser.add_argument("--orders", type=int, default=Options.orders, help="timed shop size")
    parser.add_argument(
        "--memory-sizes",
        type=_sizes,
        default=Options.memory_sizes,
        help="comma-separated shop sizes whose peak memory is measured",
    )
    parser.add_argument("--database", choices=("auto", "postgresql", "sqlite"), default="auto")
    parser.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES_ADMIN_URL)
    parser.add_argument("--latency-ms", type=int, default=Options.latency_ms)
    parser.add_argument("--rate", type=int, default=Options.rate_limit_per_second)
    parser.add_argument("--slice-days", type=float, help="the app's slice length (default: its)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    # the child process's options (one pull)
    parser.add_argument("--child-orders", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-sandbox", help=argparse.SUPPRESS)
    parser.add_argument("--child-now", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> IngestionResult | None:
    """Command line: the figures (printed, and written with ``--json``)."""
    args = _parser().parse_args(argv)
    if args.child_orders is not None:
        now = datetime.fromisoformat(args.child_now)
        figures = asyncio.run(_pull(args.child_orders, args.child_sandbox, now))
        print(json.dumps(asdict(figures)))
        return None
    options = Options(
        orders=args.orders,
        memory_sizes=args.memory_sizes,
        database=args.database,
        postgres_admin_url=args.postgres_admin_url,
        latency_ms=args.latency_ms,
        rate_limit_per_second=args.rate,
        slice_days=args.slice_days,
    )
    result = run(options)
    print_result(result)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    outcome = main()
    sys.exit(1 if outcome is not None and outcome.errors else 0)
