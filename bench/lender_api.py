"""Lender API score reads beside a bare endpoint: one server, one load generator, side by side.

Run ``python -m bench.lender_api`` (defaults: PostgreSQL, 64 connections, 20 s per endpoint, one
uvicorn worker process). It seeds a throwaway database through the real service
(:mod:`bench.seed`: borrowers connected to sandbox personas, synced, scored, granted to a lender
with an API key), stops it, then serves :mod:`bench.lender_api_app` on that database: the same
service, built and served as `creditscore run` does, plus ``GET /_bench/bare`` answering a
constant JSON document as large as a score. After a warm-up of both, the load generator
(:mod:`bench.loadgen`, a separate process) loads the bare endpoint, then
``GET /v1/borrowers/{id}/score`` with the lender's key round the borrowers, each for
``--duration`` seconds at ``--connections`` keep-alive connections.

It prints, for each endpoint, throughput and the p50, p90 and p99 latency, the server's CPU per
request, the throughput ratio, and whether the targets are met (score reads at least half the
bare endpoint's throughput, p99 at most 50 ms). The load generator runs on the same machine as
the server and the database and shares its cores; the output says so, with the machine's load
average. ``--json PATH`` writes the same figures.

Every score read must answer 200 and leave exactly one ``score.read`` audit event (counted in
the database before and after); any other answer, a transport error, a missing or extra audit
event, or an error in the server's log is an error, and the exit status is then 1. Slowness
never is: this is a benchmark that prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from app.db import driver_urls
from bench.lender_api_app import BARE_BYTES_ENV, BARE_PATH
from bench.loadgen import LoadReport, LoadSpec, run_load
from bench.seed import Seeded, seed
from bench.served import (
    DEFAULT_POSTGRES_ADMIN_URL,
    HOST,
    Service,
    free_port,
    serve,
    serve_command,
    server_problems,
    service_env,
    throwaway_postgres,
)

__all__ = ["LenderApiResult", "Options", "main", "run"]

# One persona of each platform: every kind of connection behind the scores read.
DEFAULT_PERSONAS = ("steady_us", "shopify_steady", "amazon_us")
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


@dataclass(frozen=True)
class Options:
    database: str = "postgresql"
    postgres_admin_url: str = DEFAULT_POSTGRES_ADMIN_URL
    connections: int = 64
    duration_s: float = 20.0
    warmup_s: float = 3.0
    workers: int = 1
    personas: tuple[str, ...] = DEFAULT_PERSONAS
    seed_timeout_s: float = 600.0


@dataclass(frozen=True)
class LenderApiResult:
    """The figures, flat: ``bare_*`` for the bare endpoint, ``score_*`` for the score reads."""

    database: str
    connections: int
    duration_s: float
    # uvicorn worker processes serving both endpoints (the same server for both).
    workers: int
    cpu_count: int
    load_generator: str
    # The machine's 1-minute load average before the warm-up and after the last load.
    load_average_before: float
    load_average_after: float
    borrowers: int
    score_body_bytes: int
    bare_body_bytes: int
    bare_requests: int
    bare_errors: int
    bare_throughput_rps: float
    bare_p50_ms: float
    bare_p90_ms: float
    bare_p99_ms: float
    bare_max_ms: float
    bare_server_cpu_ms_per_request: float
    bare_client_cpu_s: float
    score_requests: int
    score_errors: int
    score_throughput_rps: float
    score_p50_ms: float
    score_p90_ms: float
    score_p99_ms: float
    score_max_ms: float
    score_server_cpu_ms_per_request: float
    score_client_cpu_s: float
    # score.read audit events written during the score loads (warm-up included) and the score
    # reads answered 200 meanwhile: they must be equal.
    audit_events_written: int
    score_reads_answered: int
    throughput_ratio: float
    target_ratio: float
    target_p99_ms: float
    ratio_met: bool
    p99_met: bool
    server_errors: int
    errors: int
    error_samples: list[str]


def _load_generator_note(cpu_count: int) -> str:
    return (
        f"the load generator runs on this machine ({cpu_count} cores) beside the server and "
        "the database and shares their cores"
    )


@contextmanager
def _database(options: Options, workdir: Path) -> Iterator[tuple[str | None, str]]:
    """(the service's database URL or None for its SQLite default, a URL to count rows with)."""
    if options.database == "sqlite":
        yield None, f"sqlite:///{(workdir / 'data' / 'creditscore.db').as_posix()}"
    else:
        with throwaway_postgres(options.postgres_admin_url) as url:
            yield url, url


def _audited_reads(url: str) -> int:
    engine = create_engine(driver_urls(url)[1])
    try:
        with engine.connect() as connection:
            count = connection.scalar(
                text("SELECT count(*) FROM audit_events WHERE action = 'score.read'")
            )
            return int(count or 0)
    finally:
        engine.dispose()


async def _seed(service: Service, options: Options) -> tuple[Seeded, int]:
    """Seed through the real service; (what was seeded, the size of a score's JSON answer)."""
    async with httpx.AsyncClient(base_url=service.base_url, timeout=60.0) as client:
        seeded = await seed(client, service, options.personas, options.seed_timeout_s)
        borrower = seeded.borrowers[0]
        answer = await client.get(
            f"/v1/borrowers/{borrower.id}/score", headers=seeded.lender_headers
        )
        answer.raise_for_status()
        return seeded, len(answer.content)


@contextmanager
def _bench_server(
    database_url: str | None, workdir: Path, workers: int, bare_bytes: int
) -> Iterator[Service]:
    port = free_port()
    env = service_env(
        database_url,
        workdir,
        {BARE_BYTES_ENV: str(bare_bytes), "CS_PUBLIC_BASE_URL": f"http://{HOST}:{port}"},
        # Production runs jobs in `creditscore worker` processes, not in the API's.
        worker_in_api=False,
    )
    command = [sys.executable, "-m", "bench.lender_api_app", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    with serve_command(command, port, env, workdir / "service.log") as service:
        yield service


def _spec(
    service: Service, paths: list[str], seeded: Seeded, options: Options, duration: float
) -> LoadSpec:
    return LoadSpec(
        base_url=service.base_url,
        paths=paths,
        headers=seeded.lender_headers,
        concurrency=options.connections,
        duration_s=duration,
    )


def _measured(service: Service, spec: LoadSpec) -> tuple[LoadReport, float]:
    """The load's report and the server's CPU milliseconds per request during it."""
    before = service.cpu_seconds()
    report = run_load(spec)
    used = service.cpu_seconds() - before
    return report, round(1000 * used / report.requests, 3) if report.requests else 0.0


def run(options: Options) -> LenderApiResult:
    """Seed, serve, warm up, load each endpoint in turn: the figures (all cleaned up on return)."""
    with (
        tempfile.TemporaryDirectory(prefix="creditscore-lender-api-") as tmp,
        _database(options, Path(tmp)) as (database_url, count_url),
    ):
        workdir = Path(tmp)
        with serve(database_url, workdir) as seeding:
            seeded, score_bytes = asyncio.run(_seed(seeding, options))
        score_paths = [f"/v1/borrowers/{b.id}/score" for b in seeded.borrowers]
        load_before = os.getloadavg()[0]
        with _bench_server(database_url, workdir, options.workers, score_bytes) as service:
            audited_before = _audited_reads(count_url)
            warm_bare = run_load(_spec(service, [BARE_PATH], seeded, options, options.warmup_s))
            warm_score = run_load(_spec(service, score_paths, seeded, options, options.warmup_s))
            bare, bare_cpu = _measured(
                service, _spec(service, [BARE_PATH], seeded, options, options.duration_s)
            )
            score, score_cpu = _measured(
                service, _spec(service, score_paths, seeded, options, options.duration_s)
            )
            audited = _audited_reads(count_url) - audited_before
            bare_bytes = len(httpx.get(service.base_url + BARE_PATH, timeout=10).content)
        load_after = os.getloadavg()[0]
        server_errors, server_samples = server_problems(workdir / "service.log")
    return _result(
        options,
        seeded,
        (score_bytes, bare_bytes),
        (load_before, load_after),
        (warm_bare, warm_score, bare, score),
        (bare_cpu, score_cpu),
        audited,
        (server_errors, server_samples),
    )


def _result(
    options: Options,
    seeded: Seeded,
    sizes: tuple[int, int],
    load: tuple[float, float],
    reports: tuple[LoadReport, LoadReport, LoadReport, LoadReport],
    cpu: tuple[float, float],
    audited: int,
    server: tuple[int, list[str]],
) -> LenderApiResult:
    _, warm_score, bare, score = reports
    answered = warm_score.status_counts.get("200", 0) + score.status_counts.get("200", 0)
    samples = [s for r in reports for s in r.error_samples]
    audit_errors = 0
    if audited != answered:
        audit_errors = 1
        samples.append(f"{audited} score.read audit events for {answered} score reads answered")
    samples += [f"service log: {line}" for line in server[1]]
    ratio = score.throughput_rps / bare.throughput_rps if bare.throughput_rps else 0.0
    cpu_count = os.cpu_count() or 0
    return LenderApiResult(
        database=options.database,
        connections=options.connections,
        duration_s=options.duration_s,
        workers=options.workers,
        cpu_count=cpu_count,
        load_generator=_load_generator_note(cpu_count),
        load_average_before=round(load[0], 2),
        load_average_after=round(load[1], 2),
        borrowers=len(seeded.borrowers),
        score_body_bytes=sizes[0],
        bare_body_bytes=sizes[1],
        bare_requests=bare.requests,
        bare_errors=bare.errors,
        bare_throughput_rps=bare.throughput_rps,
        bare_p50_ms=bare.p50_ms,
        bare_p90_ms=bare.p90_ms,
        bare_p99_ms=bare.p99_ms,
        bare_max_ms=bare.max_ms,
        bare_server_cpu_ms_per_request=cpu[0],
        bare_client_cpu_s=bare.client_cpu_s,
        score_requests=score.requests,
        score_errors=score.errors,
        score_throughput_rps=score.throughput_rps,
        score_p50_ms=score.p50_ms,
        score_p90_ms=score.p90_ms,
        score_p99_ms=score.p99_ms,
        score_max_ms=score.max_ms,
        score_server_cpu_ms_per_request=cpu[1],
        score_client_cpu_s=score.client_cpu_s,
        audit_events_written=audited,
        score_reads_answered=answered,
        throughput_ratio=round(ratio, 3),
        target_ratio=TARGET_RATIO,
        target_p99_ms=TARGET_P99_MS,
        ratio_met=ratio >= TARGET_RATIO,
        p99_met=0 < score.p99_ms <= TARGET_P99_MS,
        server_errors=server[0],
        errors=sum(r.errors for r in reports) + audit_errors + server[0],
        error_samples=samples[:20],
    )


def print_result(r: LenderApiResult) -> None:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"database                  {r.database}, {r.borrowers} borrowers")
    print(
        f"server                    {r.workers} uvicorn worker process(es) for both endpoints, "
        "with the uvicorn options and limits of `creditscore run`"
    )
    print(
        f"machine                   {r.load_generator}; load average "
        f"{r.load_average_before:.2f} -> {r.load_average_after:.2f}"
    )
    print(
        f"load                      {r.connections} connections, {r.duration_s:g} s per endpoint; "
        f"answers of {r.score_body_bytes} bytes (score) and {r.bare_body_bytes} bytes (bare)"
    )
    print(f"{'':26}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}", end="")
    print(f"{'server CPU ms/req':>19}{'client CPU s':>14}{'errors':>8}")
    for name, row in (
        ("bare endpoint", "bare"),
        ("score reads", "score"),
    ):
        figures = asdict(r)
        print(
            f"{name:26}{figures[row + '_requests']:>10,}"
            f"{figures[row + '_throughput_rps']:>10,.1f}{figures[row + '_p50_ms']:>9.1f}"
            f"{figures[row + '_p90_ms']:>9.1f}{figures[row + '_p99_ms']:>9.1f}"
            f"{figures[row + '_server_cpu_ms_per_request']:>19.3f}"
            f"{figures[row + '_client_cpu_s']:>14.1f}{figures[row + '_errors']:>8}"
        )
    print(
        f"throughput ratio          {r.throughput_ratio:.2f} of the bare endpoint "
        f"(target >= {r.target_ratio:.2f}: {met(r.ratio_met)})"
    )
    print(
        f"score p99                 {r.score_p99_ms:.1f} ms "
        f"(target <= {r.target_p99_ms:.0f} ms: {met(r.p99_met)})"
    )
    print(
        f"audit                     {r.audit_events_written:,} score.read events for "
        f"{r.score_reads_answered:,} score reads answered (warm-up included)"
    )
    print(f"errors                    {r.errors} (service log {r.server_errors})")
    for line in r.error_samples:
        print(f"  {line}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.lender_api", description=__doc__)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_ADMIN_URL,
        help="server to create the throwaway database on (connects to this database to do it)",
    )
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up each")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--persona", action="append", default=None, help="only these personas (repeatable)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    return parser


def main(argv: Sequence[str] | None = None) -> LenderApiResult:
    """Command line: run, print the figures, write them as JSON; exit 1 on any error."""
    args = _parser().parse_args(argv)
    options = Options(
        database=args.database,
        postgres_admin_url=args.postgres_url,
        connections=args.connections,
        duration_s=args.duration,
        warmup_s=args.warmup,
        workers=args.workers,
        personas=tuple(args.persona) if args.persona else DEFAULT_PERSONAS,
    )
    result = run(options)
    print_result(result)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    sys.exit(1 if main().errors else 0)
