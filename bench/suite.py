"""`make bench`: run every benchmark one after another, then write the report.

Each benchmark runs in its own process (``python -m bench.<name> --json <results>/<name>.json``),
one at a time so none measures while another keeps the cores busy, with its output shown as it
runs. A benchmark that exits non-zero (it found errors: wrong answers, failed requests) is
recorded as failed in the report and makes the suite exit 1 after the report is written; a slow
figure never does. ``--only NAME`` runs a subset; extra options for one benchmark go in
``--NAME-args=`` as one string, e.g. ``--scoring_batch-args="--borrowers 10000"``.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import report

__all__ = ["main"]


def run_one(name: str, results: Path, extra: Sequence[str]) -> str:
    """Run ``bench.<name>``; its status for the report (``ok`` or ``failed: ...``)."""
    out = results / f"{name}.json"
    out.unlink(missing_ok=True)  # a stale file from an earlier run must not pass for this one
    command = [sys.executable, "-m", f"bench.{name}", "--json", str(out), *extra]
    print(f"\n=== bench.{name}: {shlex.join(command[1:])}", flush=True)
    started = time.perf_counter()
    code = subprocess.run(command, check=False).returncode  # noqa: S603 (our own modules)
    print(f"=== bench.{name}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
    return "ok" if code == 0 else f"failed: exit {code}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; returns the exit code (1 when a benchmark failed)."""
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__)
    parser.add_argument("--results", type=Path, default=Path("bench-results"))
    parser.add_argument("--only", action="append", choices=list(report.BENCHMARKS))
    for name in report.BENCHMARKS:
        parser.add_argument(f"--{name}-args", default="", metavar="ARGS")
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    names = args.only or list(report.BENCHMARKS)
    outcomes = {
        name: run_one(name, args.results, shlex.split(getattr(args, f"{name}_args")))
        for name in names
    }
    written = report.write(args.results, outcomes)
    print()
    print(report.render_markdown(written), end="")
    print(f"(written to {args.results / 'report.md'} and report.json)")
    return 0 if all(status == "ok" for status in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
