"""The lender API benchmark runs end to end on the embedded default and reports consistent figures.

A second of load per endpoint at two connections on SQLite with one persona: the counts, the
statuses and the audit trail are checked, never the speed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.lender_api import main


@pytest.mark.slow
class TestLenderApi:
    def test_bare_and_score_reads_side_by_side_without_errors(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "lender_api.json"
        args = ["--database", "sqlite", "--connections", "2", "--duration", "1"]
        args += ["--warmup", "0.5", "--persona", "shopify_steady", "--json", str(out)]
        result = main(args)

        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["errors"] == result.errors == 0, figures["error_samples"]
        assert figures["database"] == "sqlite" and figures["borrowers"] == 1
        assert figures["connections"] == 2 and figures["workers"] == 1
        for endpoint in ("bare", "score"):
            requests = figures[f"{endpoint}_requests"]
            assert requests > 0 and figures[f"{endpoint}_errors"] == 0
            assert figures[f"{endpoint}_throughput_rps"] > 0
            p50, p90, p99 = (figures[f"{endpoint}_p{q}_ms"] for q in (50, 90, 99))
            assert 0 < p50 <= p90 <= p99 <= figures[f"{endpoint}_max_ms"]
            assert figures[f"{endpoint}_server_cpu_ms_per_request"] > 0
        # Every score read answered 200 left exactly one audit event, warm-up included.
        assert figures["audit_events_written"] == figures["score_reads_answered"]
        assert figures["score_reads_answered"] >= figures["score_requests"]
        # The bare answer is as large as a score's, so the two differ only in the work done.
        assert figures["bare_body_bytes"] == figures["score_body_bytes"] > 200
        ratio = figures["score_throughput_rps"] / figures["bare_throughput_rps"]
        assert figures["throughput_ratio"] == pytest.approx(ratio, abs=1e-3)
        assert figures["ratio_met"] == (ratio >= figures["target_ratio"] == 0.5)
        assert figures["p99_met"] == (figures["score_p99_ms"] <= figures["target_p99_ms"] == 50)
        assert "shares" in figures["load_generator"]
        printed = capsys.readouterr().out
        for label in (
            "bare endpoint",
            "score reads",
            "throughput ratio",
            "p99",
            "worker",
            "shares",
        ):
            assert label in printed
