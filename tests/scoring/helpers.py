"""Small helpers shared by the scoring tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoring import Frames, borrower_features, score_frames
from tests.scoring.factories import AS_OF


def row(frames: Frames, borrower_id: str, as_of: pd.Timestamp = AS_OF) -> pd.Series:
    """The score row of one borrower."""
    scores = score_frames(frames, as_of).set_index("borrower_id")
    return scores.loc[borrower_id]


def features(frames: Frames, borrower_id: str, as_of: pd.Timestamp = AS_OF) -> pd.Series:
    """The feature row of one borrower."""
    return borrower_features(frames, as_of).loc[borrower_id]


def codes(score_row: pd.Series) -> list[str]:
    return [r["code"] for r in score_row["reasons"]]


def reason(score_row: pd.Series, code: str) -> dict[str, Any]:
    found = [r for r in score_row["reasons"] if r["code"] == code]
    assert found, f"{code} not in {codes(score_row)}"
    return found[0]
