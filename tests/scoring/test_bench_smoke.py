"""The batch benchmark's generator and runner still work (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.scoring_batch import AS_OF, generate_frames, main, split_by_borrower
from scoring import score_frames, validate_frames


class TestBenchSmoke:
    def test_generated_frames_are_valid_and_score(self) -> None:
        frames = generate_frames(50, 20, seed=1)
        validate_frames(frames)
        scores = score_frames(frames, AS_OF)
        assert len(scores) == 50
        assert set(scores["status"]) <= {"scored", "pending"}
        assert scores["model_version"].nunique() == 1

    def test_scoring_one_borrower_at_a_time_agrees_with_the_batch(self) -> None:
        frames = generate_frames(30, 20, seed=2)
        batch = score_frames(frames, AS_OF).set_index("borrower_id")
        ids = list(batch.index[:5])
        for borrower_id, single in zip(ids, split_by_borrower(frames, ids), strict=True):
            alone = score_frames(single, AS_OF).set_index("borrower_id").loc[borrower_id]
            assert alone.drop("reasons").equals(batch.loc[borrower_id].drop("reasons"))
            assert alone["reasons"] == batch.loc[borrower_id, "reasons"]

    def test_main_prints_and_writes_the_figures(self, tmp_path: Path, capsys: object) -> None:
        out = tmp_path / "bench.json"
        result = main(
            [
                "--borrowers",
                "40",
                "--orders-per-borrower",
                "10",
                "--loop-sample",
                "3",
                "--json",
                str(out),
            ]
        )
        figures = json.loads(out.read_text(encoding="utf-8"))
        assert figures["borrowers"] == 40 and figures["loop_sample"] == 3
        assert figures["order_rows"] == result.order_rows > 0
