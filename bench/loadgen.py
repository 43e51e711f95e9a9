"""A closed-loop HTTP load generator, run in its own process: N workers, each on its own
keep-alive connection, sending its next GET as soon as the previous answer arrives, for a fixed
duration.

It measures one thing well: latency and throughput of GET requests against a server on loopback.
:func:`run_load` starts ``python -m bench.loadgen`` in a subprocess (so the generator never shares
an event loop, or a core's GIL, with the caller), hands it a :class:`LoadSpec` as JSON on standard
input (headers carry credentials, which must not appear in a process list), and reads back a
:class:`LoadReport`. Any answer outside 2xx and any transport error (refused, reset, timeout, an
answer that is not HTTP) counts as an error, with the first few kept as samples naming the
request. Requests go through :mod:`bench.http1`, a client light enough that the server, not the
generator, sets the pace (the report carries the generator's own CPU time to show it).

Other benchmarks reuse it as is: a different path list or headers is a different target.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bench.http1 import HttpConnection, ProtocolError, build_get, host_and_port

__all__ = ["LoadReport", "LoadSpec", "generate", "run_load"]

#: Error samples kept in a report (the count is exact; the samples are for reading).
MAX_SAMPLES = 10


@dataclass(frozen=True)
class LoadSpec:
    """What to load: GET ``base_url + paths[i]`` round robin, ``concurrency`` in flight."""

    base_url: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    concurrency: int = 64
    duration_s: float = 60.0
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("paths must name at least one path")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.duration_s <= 0 or self.timeout_s <= 0:
            raise ValueError("duration_s and timeout_s must be positive")


@dataclass(frozen=True)
class LoadReport:
    """Figures of one run (latencies in milliseconds over every answered request)."""

    concurrency: int
    duration_s: float
    elapsed_s: float
    requests: int
    errors: int
    transport_errors: int
    status_counts: dict[str, int]
    throughput_rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    # CPU seconds the generator itself used: near its wall time, the generator set the pace.
    client_cpu_s: float
    error_samples: list[str]


@dataclass(frozen=True)
class _Target:
    host: str
    port: int
    requests: list[bytes]  # the bytes of each path's request, built once

    @classmethod
    def of(cls, spec: LoadSpec) -> _Target:
        host, port = host_and_port(spec.base_url)
        return cls(host, port, [build_get(host, port, p, spec.headers) for p in spec.paths])


class _Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.transport_errors = 0
        self.samples: list[str] = []

    def sample(self, line: str) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(line)


async def _worker(
    target: _Target, spec: LoadSpec, start: int, deadline: float, tally: _Tally
) -> None:
    i = start
    connection: HttpConnection | None = None
    try:
        while time.perf_counter() < deadline:
            path = spec.paths[i % len(spec.paths)]
            request = target.requests[i % len(spec.paths)]
            i += spec.concurrency
            began = time.perf_counter()
            try:
                async with asyncio.timeout(spec.timeout_s):
                    if connection is None:
                        connection = await HttpConnection.open(target.host, target.port)
                    answer = await connection.send(request)
            except (OSError, TimeoutError, ProtocolError) as exc:
                tally.transport_errors += 1
                tally.sample(f"GET {path}: {type(exc).__name__}: {exc}")
                if connection is not None:
                    connection.close()
                    connection = None
                # A refused connection returns at once: do not spin on a dead server.
                await asyncio.sleep(0.05)
                continue
            tally.latencies.append(time.perf_counter() - began)
            tally.statuses[answer.status] += 1
            if not 200 <= answer.status < 300:
                tally.sample(f"GET {path}: {answer.status} {answer.body[:300]!r}")
            if not answer.keep_alive:
                connection.close()
                connection = None
    finally:
        if connection is not None:
            connection.close()


async def generate(spec: LoadSpec) -> LoadReport:
    """Run the load in this process's event loop (the subprocess entry point calls this)."""
    tally = _Tally()
    target = _Target.of(spec)
    cpu_before = time.process_time()
    began = time.perf_counter()
    deadline = began + spec.duration_s
    await asyncio.gather(
        *(_worker(target, spec, n, deadline, tally) for n in range(spec.concurrency))
    )
    elapsed = time.perf_counter() - began
    return _report(spec, tally, elapsed, time.process_time() - cpu_before)


def _report(spec: LoadSpec, tally: _Tally, elapsed: float, cpu_s: float) -> LoadReport:
    ms = np.asarray(tally.latencies, dtype=np.float64) * 1000.0
    answered = int(ms.size)

    def pct(q: float) -> float:
        return round(float(np.percentile(ms, q)), 2) if answered else 0.0

    bad = sum(n for status, n in tally.statuses.items() if not 200 <= status < 300)
    return LoadReport(
        concurrency=spec.concurrency,
        duration_s=spec.duration_s,
        elapsed_s=round(elapsed, 3),
        requests=answered + tally.transport_errors,
        errors=bad + tally.transport_errors,
        transport_errors=tally.transport_errors,
        status_counts={str(s): n for s, n in sorted(tally.statuses.items())},
        throughput_rps=round(answered / elapsed, 1) if elapsed > 0 else 0.0,
        p50_ms=pct(50),
        p90_ms=pct(90),
        p99_ms=pct(99),
        max_ms=round(float(ms.max()), 2) if answered else 0.0,
        client_cpu_s=round(cpu_s, 2),
        error_samples=tally.samples,
    )


def run_load(spec: LoadSpec) -> LoadReport:
    """Run ``spec`` in a separate Python process and return its report (blocking)."""
    return asyncio.run(run_load_async(spec))


async def run_load_async(spec: LoadSpec) -> LoadReport:
    """:func:`run_load` for a caller that keeps its own event loop busy meanwhile."""
    process = await asyncio.create_subprocess_exec(
        *_command(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )
    try:
        out, err = await asyncio.wait_for(
            process.communicate(json.dumps(asdict(spec)).encode()), _limit(spec)
        )
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode}): {err.decode()[-2000:]}")
    return _parse(out.decode())


def _command() -> list[str]:
    return [sys.executable, "-m", "bench.loadgen"]


def _env() -> dict[str, str]:
    # The bench package is not installed: make it importable from the subprocess.
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def _limit(spec: LoadSpec) -> float:
    # The run stops by itself at the deadline plus at most one request timeout; leave margin
    # for the interpreter's start, then give up rather than hang.
    return spec.duration_s + spec.timeout_s + 60.0


def _parse(stdout: str) -> LoadReport:
    return LoadReport(**json.loads(stdout))


def main(argv: Sequence[str] | None = None) -> None:
    """Subprocess entry: a LoadSpec as JSON on stdin, the LoadReport as JSON on stdout."""
    del argv
    spec = LoadSpec(**json.loads(sys.stdin.read()))
    report = asyncio.run(generate(spec))
    sys.stdout.write(json.dumps(asdict(report)) + "\n")


if __name__ == "__main__":
    main()
