"""The batch benchmark's ``--dask`` option scores on a LocalCluster and reports the figure."""

from __future__ import annotations

import json
from pathlib import Path

from bench.scoring_batch import main

_SMALL = ["--borrowers", "20", "--orders-per-borrower", "5", "--loop-sample", "2"]


class TestBenchDaskOption:
    def test_without_the_option_there_is_no_dask_figure(self, tmp_path: Path) -> None:
        out = tmp_path / "bench.json"
        main([*_SMALL, "--json", str(out)])
        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["dask_seconds"] is None and figures["sql_query_seconds"] > 0

    def test_with_the_option_the_same_scores_come_back_with_a_figure(self, tmp_path: Path) -> None:
        out = tmp_path / "bench.json"
        result = main([*_SMALL, "--dask", "--json", str(out)])
        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["dask_seconds"] == result.dask_seconds
        assert result.dask_seconds is not None and result.dask_seconds > 0
        assert figures["dask_order_rows_per_second"] > 0
