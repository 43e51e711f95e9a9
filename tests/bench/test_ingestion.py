"""The ingestion benchmark runs end to end on small shops and reports consistent figures.

A real sandbox server at a short latency, the pulls on SQLite: the rows stored against the
ground truth, the pages against the bound and the keys the report reads are checked, never
the speed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.ingestion import main

KEYS = {
    "orders": int,
    "pages": int,
    "wall_seconds": float,
    "bound_seconds": float,
    "ratio_to_bound": float,
    "rate_limit_per_second": int,
    "latency_ms": int,
    "rows_stored": int,
    "rows_expected": int,
    "rate_limited_responses": int,
    "database": str,
    "peak_rss_mib": dict,
    "load_average_before": float,
    "load_average_after": float,
    "cpu_count": int,
}


@pytest.mark.slow
class TestIngestion:
    def test_small_backfills_store_the_ground_truth(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "ingestion.json"
        args = ["--orders", "300", "--memory-sizes", "120", "--database", "sqlite"]
        args += ["--latency-ms", "20", "--json", str(out)]
        result = main(args)

        figures = json.loads(out.read_text(encoding="utf-8"))
        assert result is not None and figures["errors"] == result.errors == 0
        for key, kind in KEYS.items():
            assert isinstance(figures[key], kind), key
        assert figures["orders"] == 300 and figures["database"] == "sqlite"
        assert figures["latency_ms"] == 20 and figures["rate_limit_per_second"] == 50
        assert figures["rows_stored"] == figures["rows_expected"] > 300
        assert figures["rows_by_kind"] == figures["expected_by_kind"]
        assert figures["rows_by_kind"]["orders"] == 300
        assert figures["bound_seconds"] == pytest.approx(figures["pages"] / 50, abs=1e-3)
        ratio = figures["wall_seconds"] / figures["bound_seconds"]
        assert figures["ratio_to_bound"] == pytest.approx(ratio, abs=1e-3)
        # every stream of a 90-day window in 13 slices: at least a page per slice and stream
        assert figures["pages"] >= 4 * 13
        assert set(figures["peak_rss_mib"]) == {"120", "300"}
        assert all(mib > 0 for mib in figures["peak_rss_mib"].values())
        printed = capsys.readouterr().out
        for label in ("pages fetched", "bound", "ratio to bound", "429", "peak RSS", "load"):
            assert label in printed
