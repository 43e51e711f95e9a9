"""The benchmark report judges each figure against its target and says what is missing or failed."""

from __future__ import annotations

import json
from pathlib import Path

from bench import report, suite
from bench.scoring_batch import main as scoring_batch_main


def _batch(**overrides: float) -> dict[str, float]:
    figures = {
        "borrowers": 10,
        "order_rows": 1000,
        "other_rows": 10,
        "order_rows_per_second": 1_200_000.0,
        "speedup_vs_loop": 40.0,
        "score_vs_sql": 3.0,
        "score_seconds": 1.0,
        "sql_query_seconds": 0.4,
        "peak_rss_mib": 100.0,
        "sql_max_abs_diff_usd": 0.001,
    }
    return {**figures, **overrides}


def _figures(built: dict, benchmark: str) -> dict[str, dict]:
    (section,) = [s for s in built["sections"] if s["benchmark"] == benchmark]
    return {f["name"]: f for f in section["figures"]}


class TestBuild:
    def test_targets_judged_with_their_bounds(self, tmp_path: Path) -> None:
        (tmp_path / "scoring_batch.json").write_text(json.dumps(_batch()))
        built = report.build(tmp_path, {"scoring_batch": "ok"})
        figures = _figures(built, "scoring_batch")
        assert figures["order rows per second, end to end"]["met"] is True
        assert figures["batch vs per-borrower loop"]["met"] is False  # 40 < 50
        assert figures["batch time vs DuckDB aggregate query"]["met"] is True  # 3 <= 3
        assert figures["batch scoring time"]["met"] is None  # a figure without a target
        assert (built["targets_met"], built["targets"]) == (2, 3)

    def test_missing_and_failed_are_reported_not_dropped(self, tmp_path: Path) -> None:
        built = report.build(tmp_path, {"scoring_batch": "failed: exit 1", "lender_load": "ok"})
        statuses = {s["benchmark"]: s["status"] for s in built["sections"]}
        assert statuses == {"scoring_batch": "failed: exit 1", "lender_load": "missing"}
        markdown = report.render_markdown(built)
        assert "Status: **failed: exit 1**." in markdown
        assert "Status: **missing**." in markdown

    def test_only_what_the_suite_ran(self, tmp_path: Path) -> None:
        (tmp_path / "lender_load.json").write_text(json.dumps({"reads": {}}))  # an earlier run
        (tmp_path / "scoring_batch.json").write_text(json.dumps(_batch()))
        built = report.build(tmp_path, {"scoring_batch": "ok"})
        assert [s["benchmark"] for s in built["sections"]] == ["scoring_batch"]

    def test_markdown_lists_each_figure_and_the_machine(self, tmp_path: Path) -> None:
        (tmp_path / "scoring_batch.json").write_text(json.dumps(_batch(speedup_vs_loop=500.0)))
        markdown = report.render_markdown(report.build(tmp_path))
        assert "| order rows per second, end to end | 1,200,000 rows/s | >= 1e+06 | yes |" in (
            markdown
        )
        assert "| batch vs per-borrower loop | 500 x | >= 50 | yes |" in markdown
        assert "Targets met: 3 of 3." in markdown
        assert "CPUs, load average" in markdown


class TestLenderApiSection:
    def test_ratio_and_p99_judged_and_errors_summed(self, tmp_path: Path) -> None:
        figures = {
            "throughput_ratio": 0.62,
            "score_p99_ms": 80.0,
            "score_throughput_rps": 620.0,
            "bare_throughput_rps": 1000.0,
            "bare_errors": 0,
            "score_errors": 2,
            "connections": 64,
        }
        (tmp_path / "lender_api.json").write_text(json.dumps(figures))
        built = _figures(report.build(tmp_path, {"lender_api": "ok"}), "lender_api")
        assert built["score reads vs bare endpoint, throughput"]["met"] is True
        assert built["score read p99"]["met"] is False
        assert (built["errors"]["value"], built["errors"]["met"]) == (2.0, False)


class TestIngestionSection:
    def test_bound_ratio_rows_and_memory_growth_judged(self, tmp_path: Path) -> None:
        figures = {
            "orders": 20000,
            "pages": 400,
            "wall_seconds": 9.0,
            "bound_seconds": 8.0,
            "ratio_to_bound": 1.125,
            "rows_stored": 20100,
            "rows_expected": 20100,
            "rate_limited_responses": 0,
            "peak_rss_mib": {"50000": 260.0, "5000": 200.0},
            "database": "postgresql",
        }
        (tmp_path / "ingestion.json").write_text(json.dumps(figures))
        built = _figures(report.build(tmp_path, {"ingestion": "ok"}), "ingestion")
        assert built["backfill wall time vs the rate-limit bound"]["met"] is True
        assert built["rows missing or extra vs the platform"]["value"] == 0
        assert built["rows missing or extra vs the platform"]["met"] is True
        assert built["peak RSS of the pull, 5,000 orders"]["value"] == 200.0
        growth = built["peak RSS at 50,000 vs 5,000 orders"]
        assert (growth["value"], growth["met"]) == (1.3, False)

    def test_lost_rows_fail_their_figure(self, tmp_path: Path) -> None:
        figures = {"orders": 5, "ratio_to_bound": 1.0, "rows_stored": 9, "rows_expected": 10}
        (tmp_path / "ingestion.json").write_text(json.dumps(figures))
        built = _figures(report.build(tmp_path, {"ingestion": "ok"}), "ingestion")
        assert built["rows missing or extra vs the platform"]["met"] is False


class TestSuite:
    def test_runs_a_benchmark_and_writes_both_reports(self, tmp_path: Path) -> None:
        code = suite.main(
            [
                "--results",
                str(tmp_path),
                "--only",
                "scoring_batch",
                "--scoring_batch-args",
                "--borrowers 40 --orders-per-borrower 10 --loop-sample 3",
            ]
        )
        assert code == 0
        written = json.loads((tmp_path / "report.json").read_text())
        (section,) = written["sections"]
        assert section["status"] == "ok"
        figures = {f["name"]: f["value"] for f in section["figures"]}
        direct = scoring_batch_main(["--borrowers", "40", "--orders-per-borrower", "10"])
        assert figures["order rows per second, end to end"] > 0
        assert json.loads((tmp_path / "scoring_batch.json").read_text())["order_rows"] == (
            direct.order_rows
        )
        assert (tmp_path / "report.md").read_text().startswith("# creditscore benchmark report")

    def test_a_failing_benchmark_fails_the_suite_after_the_report(self, tmp_path: Path) -> None:
        code = suite.main(
            [
                "--results",
                str(tmp_path),
                "--only",
                "scoring_batch",
                "--scoring_batch-args=--no-such-option",
            ]
        )
        assert code == 1
        written = json.loads((tmp_path / "report.json").read_text())
        assert written["sections"][0]["status"] == "failed: exit 2"
