"""Population stability index between score snapshots."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.monitoring import SCORE_BINS, bin_shares, psi, score_psi
from scoring.schemas import SUB_SCORES


def _snapshot(rng: np.random.Generator, loc: float, n: int = 5000) -> pd.DataFrame:
    values = {c: np.clip(rng.normal(loc, 12.0, n), 0, 100) for c in ("composite", *SUB_SCORES)}
    return pd.DataFrame({"status": "scored", **values})


class TestPsi:
    def test_bins_are_ten_points_wide_over_0_100(self) -> None:
        assert tuple(float(x) for x in range(0, 101, 10)) == SCORE_BINS
        assert bin_shares(np.array([0.0, 9.99, 10.0, 100.0])).tolist() == [
            0.5,
            0.25,
            *([0.0] * 7),
            0.25,
        ]

    def test_identical_snapshots_have_zero_psi(self) -> None:
        values = np.random.default_rng(1).uniform(0, 100, 1000)
        assert psi(values, values) == 0.0

    def test_a_shifted_population_is_significant(self) -> None:
        rng = np.random.default_rng(2)
        assert psi(rng.normal(50, 10, 5000), rng.normal(70, 10, 5000)) > 0.25

    def test_the_same_population_resampled_is_stable(self) -> None:
        rng = np.random.default_rng(3)
        assert psi(rng.normal(50, 10, 5000), rng.normal(50, 10, 5000)) < 0.1

    def test_an_empty_bin_stays_finite(self) -> None:
        assert math.isfinite(psi(np.full(100, 5.0), np.full(100, 95.0)))

    def test_empty_input_is_nan(self) -> None:
        assert math.isnan(psi(np.array([]), np.array([50.0])))

    def test_bad_bins_are_refused(self) -> None:
        with pytest.raises(ValueError, match="strictly increasing"):
            psi(np.array([1.0]), np.array([1.0]), bins=(0.0, 50.0, 50.0))

    def test_per_sub_score_and_composite_ignoring_pending_rows(self) -> None:
        rng = np.random.default_rng(4)
        before, after = _snapshot(rng, 50.0), _snapshot(rng, 65.0)
        pending = pd.DataFrame(
            {"status": ["pending"] * 3, **{c: [np.nan] * 3 for c in ("composite", *SUB_SCORES)}}
        )
        result = score_psi(before, pd.concat([after, pending], ignore_index=True))
        assert list(result.index) == ["composite", *SUB_SCORES]
        assert (result > 0.25).all()
        assert (score_psi(before, before) == 0.0).all()
