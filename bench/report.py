"""The benchmark report: every figure of a `make bench` run beside its target, as markdown and JSON.

Each benchmark writes its own figures to ``<results>/<name>.json`` (``--json``); this module reads
the ones present, picks the figures the project sets targets for (issue "Performance and scale"),
says whether each target was met, and writes ``report.md`` and ``report.json`` to the same
folder with the machine's description (cores, load, versions, commit), because a figure means
little without the machine it came from. A missing or failed benchmark is reported as such, not
left out. Nothing here decides whether `make bench` fails: targets are for reading.

Run ``python -m bench.report RESULTS_DIR`` (the suite in :mod:`bench.suite` calls it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["Figure", "Section", "build", "main", "render_markdown"]

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class Figure:
    """One measured quantity; ``target`` is how it is judged (e.g. ``">= 1000000"``)."""

    name: str
    value: float | None
    unit: str
    target: str | None = None
    met: bool | None = None


@dataclass(frozen=True)
class Section:
    """One benchmark's part of the report."""

    benchmark: str
    title: str
    status: str  # "ok", "missing" (no results file) or "failed: ..." (as the suite recorded)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _at_least(name: str, value: float | None, unit: str, bound: float) -> Figure:
    met = None if value is None else value >= bound
    return Figure(name, value, unit, f">= {bound:g}", met)


def _at_most(name: str, value: float | None, unit: str, bound: float) -> Figure:
    met = None if value is None else value <= bound
    return Figure(name, value, unit, f"<= {bound:g}", met)


def _num(data: JSON, key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) else None


def _scoring_batch(data: JSON) -> tuple[list[Figure], list[str]]:
    figures = [
        _at_least(
            "order rows per second, end to end",
            _num(data, "order_rows_per_second"),
            "rows/s",
            1_000_000,
        ),
        _at_least("batch vs per-borrower loop", _num(data, "speedup_vs_loop"), "x", 50),
        _at_most("batch time vs DuckDB aggregate query", _num(data, "score_vs_sql"), "x", 3),
        Figure("batch scoring time", _num(data, "score_seconds"), "s"),
        Figure("batch scoring time on one thread", _num(data, "score_one_thread_seconds"), "s"),
        Figure(
            "first call in a process (not in the batch time)", _num(data, "first_call_seconds"), "s"
        ),
        Figure("DuckDB aggregate query time", _num(data, "sql_query_seconds"), "s"),
        Figure(
            "batch time vs DuckDB, both on one thread",
            _num(data, "score_vs_sql_one_thread"),
            "x",
        ),
        Figure("peak RSS", _num(data, "peak_rss_mib"), "MiB"),
    ]
    if data.get("dask_seconds") is not None:
        figures.append(Figure("Dask LocalCluster time", _num(data, "dask_seconds"), "s"))
    notes = [
        f"{data.get('borrowers', 0):,} borrowers, {data.get('order_rows', 0):,} order rows "
        f"(+{data.get('other_rows', 0):,} other rows); monthly revenue agrees with DuckDB within "
        f"{_num(data, 'sql_max_abs_diff_usd') or 0:.4f} USD; DuckDB's query on "
        f"{data.get('sql_threads', '?')} threads, score_frames on "
        f"{data.get('score_threads', '?')}; the loop ratio is against the batch on one thread"
    ]
    return figures, notes


def _ingestion(data: JSON) -> tuple[list[Figure], list[str]]:
    stored, expected = _num(data, "rows_stored"), _num(data, "rows_expected")
    figures = [
        _at_most(
            "backfill wall time vs the rate-limit bound", _num(data, "ratio_to_bound"), "x", 1.25
        ),
        Figure("backfill wall time", _num(data, "wall_seconds"), "s"),
        Figure("bound: pages / requests per second", _num(data, "bound_seconds"), "s"),
        Figure("pages fetched", _num(data, "pages"), ""),
        Figure("429 answers", _num(data, "rate_limited_responses"), ""),
        _at_most(
            "rows missing or extra vs the platform",
            None if stored is None or expected is None else abs(stored - expected),
            "",
            0,
        ),
    ]
    raw = data.get("peak_rss_mib")
    peaks = raw if isinstance(raw, dict) else {}
    sizes = sorted((int(k), float(v)) for k, v in peaks.items() if isinstance(v, int | float))
    for orders, mib in sizes:
        figures.append(Figure(f"peak RSS of the pull, {orders:,} orders", mib, "MiB"))
    if len(sizes) >= 2 and sizes[0][1] > 0:
        growth = sizes[-1][1] / sizes[0][1]
        figures.append(
            _at_most(f"peak RSS at {sizes[-1][0]:,} vs {sizes[0][0]:,} orders", growth, "x", 1.25)
        )
    notes = [
        f"{data.get('orders', '?'):,} orders over 90 days on {data.get('database', '?')}, "
        f"{data.get('rate_limit_per_second', '?')} requests/s enforced by the sandbox, "
        f"{data.get('latency_ms', '?')} ms per request; load average "
        f"{data.get('load_average_before', '?')} before, "
        f"{data.get('load_average_after', '?')} after"
        if isinstance(data.get("orders"), int)
        else "the timed persona's size is missing from the results"
    ]
    return figures, notes


def _lender_load(data: JSON) -> tuple[list[Figure], list[str]]:
    reads = data.get("reads") or {}
    figures = [
        Figure("score reads per second", _num(reads, "throughput_rps"), "req/s"),
        Figure("p50", _num(reads, "p50_ms"), "ms"),
        Figure("p99", _num(reads, "p99_ms"), "ms"),
        Figure("server CPU per read", _num(data, "server_cpu_ms_per_read"), "ms"),
        _at_most("errors", _num(data, "errors"), "", 0),
    ]
    notes = [
        f"{reads.get('concurrency', '?')} concurrent readers on {data.get('database', '?')} "
        f"while {data.get('connections_synced', 0)} syncs and "
        f"{data.get('webhooks_accepted', 0)} webhooks ran; no target (a mixed-load figure)"
    ]
    return figures, notes


def _lender_api(data: JSON) -> tuple[list[Figure], list[str]]:
    figures = [
        _at_least(
            "score reads vs bare endpoint, throughput", _num(data, "throughput_ratio"), "x", 0.5
        ),
        _at_most("score read p99", _num(data, "score_p99_ms"), "ms", 50),
        Figure("score reads per second", _num(data, "score_throughput_rps"), "req/s"),
        Figure("score read p50", _num(data, "score_p50_ms"), "ms"),
        Figure("server CPU per score read", _num(data, "score_server_cpu_ms_per_request"), "ms"),
        Figure("bare endpoint requests per second", _num(data, "bare_throughput_rps"), "req/s"),
        Figure("bare endpoint p50", _num(data, "bare_p50_ms"), "ms"),
        Figure("bare endpoint p99", _num(data, "bare_p99_ms"), "ms"),
        Figure("server CPU per bare request", _num(data, "bare_server_cpu_ms_per_request"), "ms"),
        _at_most(
            "errors", (_num(data, "bare_errors") or 0) + (_num(data, "score_errors") or 0), "", 0
        ),
    ]
    notes = [
        f"{data.get('connections', '?')} connections for {data.get('duration_s', '?')} s per "
        f"endpoint on {data.get('database', '?')}, {data.get('workers', '?')} uvicorn worker(s), "
        f"{data.get('load_generator', 'the load generator on the same machine')}; "
        f"load average {data.get('load_average_before', '?')}"
        f" before, {data.get('load_average_after', '?')} after; "
        f"{data.get('audit_events_written', '?')} audit rows for "
        f"{data.get('score_reads_answered', '?')} reads answered"
    ]
    return figures, notes


Extractor = Callable[[JSON], tuple[list[Figure], list[str]]]

# In the order the report shows them; the suite runs them in this order too.
BENCHMARKS: dict[str, tuple[str, Extractor]] = {
    "scoring_batch": ("Batch scoring", _scoring_batch),
    "ingestion": ("Ingestion: a TikTok Shop backfill at the platform's rate limit", _ingestion),
    "lender_api": ("Lender API: score reads beside a bare endpoint", _lender_api),
    "lender_load": ("Lender reads under mixed load", _lender_load),
}


def _machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("pandas", "numpy", "pandera", "duckdb", "fastapi", "uvicorn", "sqlalchemy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, as make does)
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit or None,
    }


def build(results: Path, outcomes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The report of what ``results`` holds.

    ``outcomes`` is the suite's status of each benchmark it ran; when given, the report covers
    those only (a file left by an earlier run is not this run's figure).
    """
    sections = []
    for name, (title, extract) in BENCHMARKS.items():
        if outcomes is not None and name not in outcomes:
            continue
        path = results / f"{name}.json"
        status = "ok" if outcomes is None else outcomes[name]
        if not path.exists():
            sections.append(Section(name, title, "missing" if status == "ok" else status))
            continue
        figures, notes = extract(json.loads(path.read_text(encoding="utf-8")))
        sections.append(Section(name, title, status, figures, notes))
    judged = [f for s in sections for f in s.figures if f.met is not None]
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "targets_met": sum(1 for f in judged if f.met),
        "targets": len(judged),
        "sections": [asdict(s) for s in sections],
    }


def _value(figure: JSON) -> str:
    value = figure["value"]
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
    return f"{text} {figure['unit']}".strip()


def render_markdown(report: JSON) -> str:
    """The report as a markdown page."""
    machine = report["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    load = ", ".join(f"{x:.2f}" for x in machine["load_average"])
    lines = [
        "# creditscore benchmark report",
        "",
        f"Generated {report['generated_at']} at commit {machine['commit'] or 'unknown'}: "
        f"{machine['cpu_count']} CPUs, load average {load} at the end, Python "
        f"{machine['python']} ({versions}).",
        "",
        f"Targets met: {report['targets_met']} of {report['targets']}.",
    ]
    for section in report["sections"]:
        lines += ["", f"## {section['title']} (`bench.{section['benchmark']}`)", ""]
        if section["status"] != "ok":
            lines.append(f"Status: **{section['status']}**.")
        if not section["figures"]:
            continue
        lines += ["| figure | value | target | met |", "|---|---|---|---|"]
        for figure in section["figures"]:
            met = {True: "yes", False: "**no**", None: ""}[figure["met"]]
            target = figure["target"] or ""
            lines.append(f"| {figure['name']} | {_value(figure)} | {target} | {met} |")
        lines += ["", *section["notes"]]
    return "\n".join(lines) + "\n"


def write(results: Path, outcomes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the report and write ``report.md`` and ``report.json`` into ``results``."""
    report = build(results, outcomes)
    (results / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (results / "report.md").write_text(render_markdown(report), encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write the report of a results folder and print it."""
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("results", type=Path, help="the folder the benchmarks wrote to")
    args = parser.parse_args(argv)
    report = write(args.results)
    sys.stdout.write(render_markdown(report))


if __name__ == "__main__":
    main()
