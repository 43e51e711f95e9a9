"""Lender API under load: score reads at high concurrency while syncs and webhooks run.

Run ``python -m bench.lender_load`` (defaults: PostgreSQL, 64 concurrent readers, 60 s). It
starts the real service (`creditscore run` under uvicorn, the sandbox mounted, default settings)
on a free port of 127.0.0.1, on a throwaway PostgreSQL database (``--database sqlite`` for the
embedded default; on PostgreSQL the server also runs a job worker, as a one-machine deployment
does, or no sync would ever run), seeds it through its own API (:mod:`bench.seed`: a borrower per
sandbox persona of the three platforms, a lender with an API key, grants), then for ``--duration``
seconds reads ``GET /v1/borrowers/{id}/score`` with the lender's key from a separate process
(:mod:`bench.loadgen`) while this process triggers syncs and posts signed Shopify webhooks at a
steady rate (:mod:`bench.background`).

It prints throughput (requests per second) and the p50, p90 and p99 latency of the reads, the
syncs and webhooks done meanwhile, and every error: a read or background answer outside what is
expected, a transport error, a sync that failed, an error the service logged. It exits 1 when
there was any. ``--json PATH`` writes the same figures. The server is stopped and the database
dropped whatever happens.

This is a benchmark that prints figures; nothing in it asserts on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.background import run_background
from bench.loadgen import LoadReport, LoadSpec, run_load_async
from bench.seed import Seeded, seed
from bench.served import (
    DEFAULT_POSTGRES_ADMIN_URL,
    Service,
    serve,
    server_problems,
    throwaway_postgres,
)

__all__ = ["LenderLoadResult", "main", "run"]

# Syncs still running when the reads stop may finish within this; beyond it they are listed.
SETTLE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LenderLoadResult:
    """The figures the benchmark prints; ``errors`` sums every kind of error."""

    database: str
    personas: list[str]
    # The machine's 1-minute load average as the reads began and ended, beside its core count:
    # figures taken while something else kept the cores busy are not comparable.
    cpu_count: int
    load_average: tuple[float, float]
    # CPU seconds the server used while the reads ran (reads and background work together),
    # and that divided by the reads answered: comparable on a busy machine, unlike latency.
    server_cpu_s: float
    server_cpu_ms_per_read: float
    seed_seconds: float
    reads: LoadReport
    sync_requests: int
    reconnects: int
    connections_synced: int
    webhooks_accepted: int
    background_errors: int
    failed_syncs: int
    syncs_still_running: list[str]
    server_errors: int
    errors: int
    error_samples: list[str]


@dataclass(frozen=True)
class Options:
    database: str = "postgresql"
    postgres_admin_url: str = DEFAULT_POSTGRES_ADMIN_URL
    duration_s: float = 60.0
    concurrency: int = 64
    sync_interval_s: float = 5.0
    webhook_interval_s: float = 0.5
    personas: tuple[str, ...] | None = None
    seed_timeout_s: float = 600.0
    service_log: Path | None = None
    log_level: str = "WARNING"


@contextmanager
def _database(options: Options) -> Iterator[str | None]:
    if options.database == "sqlite":
        yield None  # the service's default: a SQLite file in its data directory
    else:
        with throwaway_postgres(options.postgres_admin_url) as url:
            yield url


def run(options: Options) -> LenderLoadResult:
    """Start, seed, load, stop: the figures (the server and database are gone on return)."""
    with (
        tempfile.TemporaryDirectory(prefix="creditscore-load-") as tmp,
        _database(options) as database_url,
    ):
        try:
            with serve(database_url, Path(tmp), {"CS_LOG_LEVEL": options.log_level}) as service:
                return asyncio.run(_measure(service, options))
        finally:
            log = Path(tmp) / "service.log"
            if options.service_log is not None and log.exists():
                shutil.copyfile(log, options.service_log)


async def _measure(service: Service, options: Options) -> LenderLoadResult:
    async with httpx.AsyncClient(base_url=service.base_url, timeout=60.0) as client:
        began = time.perf_counter()
        seeded = await seed(client, service, options.personas, options.seed_timeout_s)
        seed_seconds = time.perf_counter() - began

        spec = LoadSpec(
            base_url=service.base_url,
            paths=[f"/v1/borrowers/{b.id}/score" for b in seeded.borrowers],
            headers=seeded.lender_headers,
            concurrency=options.concurrency,
            duration_s=options.duration_s,
        )
        run_started = datetime.now(UTC)
        load_before = os.getloadavg()[0]
        cpu_before = service.cpu_seconds()
        stop = asyncio.Event()
        background = asyncio.create_task(
            run_background(
                client,
                seeded.borrowers,
                stop,
                options.sync_interval_s,
                options.webhook_interval_s,
            )
        )
        try:
            reads = await run_load_async(spec)
        finally:
            stop.set()
            done = await background
        load_after = os.getloadavg()[0]
        server_cpu = service.cpu_seconds() - cpu_before
        synced, failed, running = await _settle(client, seeded, run_started)

    server_errors, server_samples = server_problems(service.log_path)
    samples = [
        *reads.error_samples,
        *done.error_samples,
        *failed,
        *(f"service log: {line}" for line in server_samples),
    ]
    return LenderLoadResult(
        database=options.database,
        personas=[b.persona_id for b in seeded.borrowers],
        cpu_count=os.cpu_count() or 0,
        load_average=(round(load_before, 2), round(load_after, 2)),
        server_cpu_s=round(server_cpu, 2),
        server_cpu_ms_per_read=round(1000 * server_cpu / reads.requests, 2)
        if reads.requests
        else 0.0,
        seed_seconds=round(seed_seconds, 1),
        reads=reads,
        sync_requests=done.sync_requests,
        reconnects=done.reconnects,
        connections_synced=synced,
        webhooks_accepted=done.webhooks_accepted,
        background_errors=done.errors,
        failed_syncs=len(failed),
        syncs_still_running=running,
        server_errors=server_errors,
        errors=reads.errors + done.errors + len(failed) + server_errors,
        error_samples=samples[:20],
    )


async def _settle(
    client: httpx.AsyncClient, seeded: Seeded, since: datetime
) -> tuple[int, list[str], list[str]]:
    """Wait (bounded) for pulls still running: (connections synced since ``since``, failures,
    personas whose pull still runs)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        rows: list[tuple[str, dict[str, Any]]] = []
        for borrower in seeded.borrowers:
            answer = await client.get("/api/connections", headers=borrower.headers)
            answer.raise_for_status()
            rows.extend((borrower.persona_id, row) for row in answer.json())
        busy = any(row["sync_state"] in ("pending", "running") for _, row in rows)
        if not busy or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    synced = len(
        [
            row
            for _, row in rows
            if row["last_synced_at"] and datetime.fromisoformat(row["last_synced_at"]) >= since
        ]
    )
    failed = [
        f"{persona}: connection {row['status']}, sync {row['sync_state']}: {row['status_reason']}"
        for persona, row in rows
        if row["sync_state"] == "failed" or row["status"] != "active"
    ]
    # A pull can outlast the settle time without anything being wrong: Amazon's documented
    # searchOrders rate (one request per 3 minutes past a burst of 20) paces a seller's syncs.
    running = [persona for persona, row in rows if row["sync_state"] in ("pending", "running")]
    return synced, failed, running


def print_result(result: LenderLoadResult) -> None:
    reads = result.reads
    print(f"database                  {result.database}")
    print(f"borrowers (personas)      {len(result.personas)} ({', '.join(result.personas)})")
    print(
        f"machine                   {result.cpu_count} cores, load average "
        f"{result.load_average[0]:.2f} -> {result.load_average[1]:.2f} during the reads"
    )
    print(f"seeding                   {result.seed_seconds:.1f} s (connect, sync, score)")
    print(
        f"score reads               {reads.requests:,} in {reads.elapsed_s:.1f} s "
        f"at concurrency {reads.concurrency}"
    )
    print(f"throughput                {reads.throughput_rps:,.1f} req/s")
    print(
        f"latency                   p50 {reads.p50_ms:.1f} ms, p90 {reads.p90_ms:.1f} ms, "
        f"p99 {reads.p99_ms:.1f} ms, max {reads.max_ms:.1f} ms"
    )
    print(f"status codes              {reads.status_counts}")
    print(
        f"server CPU                {result.server_cpu_s:.1f} s during the reads, "
        f"{result.server_cpu_ms_per_read:.1f} ms per read (background work included)"
    )
    print(
        f"background                {result.sync_requests} sync requests, "
        f"{result.reconnects} reconnects, {result.connections_synced} connections synced, "
        f"{result.webhooks_accepted} webhooks accepted"
    )
    if result.syncs_still_running:
        print(f"still syncing             {', '.join(result.syncs_still_running)}")
    print(
        f"errors                    {result.errors} (reads {reads.errors}, background "
        f"{result.background_errors}, failed syncs {result.failed_syncs}, service log "
        f"{result.server_errors})"
    )
    for line in result.error_samples:
        print(f"  {line}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.lender_load", description=__doc__)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_ADMIN_URL,
        help="server to create the throwaway database on (connects to this database to do it)",
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=64, help="score reads in flight")
    parser.add_argument(
        "--sync-interval", type=float, default=5.0, help="seconds between syncs (0: none)"
    )
    parser.add_argument(
        "--webhook-interval", type=float, default=0.5, help="seconds between webhooks (0: none)"
    )
    parser.add_argument(
        "--persona", action="append", default=None, help="only these personas (repeatable)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--service-log", type=Path, default=None, help="keep the service's log here"
    )
    parser.add_argument("--log-level", default="WARNING", help="the service's log level")
    return parser


def main(argv: Sequence[str] | None = None) -> LenderLoadResult:
    """Command line: run, print the figures, write them as JSON; exit 1 on any error."""
    args = _parser().parse_args(argv)
    options = Options(
        database=args.database,
        postgres_admin_url=args.postgres_url,
        duration_s=args.duration,
        concurrency=args.concurrency,
        sync_interval_s=args.sync_interval,
        webhook_interval_s=args.webhook_interval,
        personas=tuple(args.persona) if args.persona else None,
        service_log=args.service_log,
        log_level=args.log_level,
    )
    result = run(options)
    print_result(result)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    sys.exit(1 if main().errors else 0)
