"""The lender load benchmark runs end to end on the embedded default and reports zero errors.

A few seconds at low concurrency on SQLite with one persona of each platform: the report's shape
and the absence of errors are checked, never its speed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.lender_load import main

PERSONAS = ("steady_us", "shopify_steady", "amazon_us")


@pytest.mark.slow
class TestLenderLoad:
    def test_reads_syncs_and_webhooks_without_errors(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "lender_load.json"
        args = ["--database", "sqlite", "--duration", "3", "--concurrency", "4"]
        args += ["--sync-interval", "1", "--webhook-interval", "0.5", "--json", str(out)]
        for persona in PERSONAS:
            args += ["--persona", persona]
        result = main(args)

        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["errors"] == result.errors == 0, figures["error_samples"]
        assert figures["database"] == "sqlite" and figures["personas"] == list(PERSONAS)
        reads = figures["reads"]
        assert reads["concurrency"] == 4 and reads["requests"] > 0
        assert reads["status_counts"] == {"200": reads["requests"]}
        assert 0 < reads["p50_ms"] <= reads["p90_ms"] <= reads["p99_ms"] <= reads["max_ms"]
        assert reads["throughput_rps"] > 0
        assert figures["server_cpu_s"] > 0 and figures["server_cpu_ms_per_read"] > 0
        assert len(figures["load_average"]) == 2 and figures["cpu_count"] >= 1
        # The background ran: a sync request or reconnect, and signed webhooks accepted.
        assert figures["sync_requests"] + figures["reconnects"] >= 1
        assert figures["webhooks_accepted"] >= 1
        printed = capsys.readouterr().out
        for label in ("throughput", "p50", "p99", "webhooks accepted", "errors"):
            assert label in printed
