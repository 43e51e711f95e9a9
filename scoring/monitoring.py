"""Population stability index (PSI) between two score snapshots, per sub-score and composite.

    PSI = sum over bins of (a - e) x ln(a / e)

where ``e`` and ``a`` are the shares of the expected (reference) and actual snapshots in each
bin. Bins are fixed, not quantiles, so every comparison uses the same cut points and the PSI of
two snapshots does not depend on a third: ten bins of 10 points over [0, 100]
(:data:`SCORE_BINS`, the last closed at 100). Empty bins would make the logarithm infinite, so
each share is floored at :data:`EPSILON` (1e-4) before the sum. Only ``scored`` rows count.

Usual reading: < 0.10 stable, 0.10–0.25 moderate shift, > 0.25 significant shift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.schemas import SUB_SCORES

__all__ = ["EPSILON", "SCORE_BINS", "bin_shares", "psi", "score_psi"]

SCORE_BINS: tuple[float, ...] = tuple(float(x) for x in range(0, 101, 10))
EPSILON = 1e-4
COLUMNS = ("composite", *SUB_SCORES)


def bin_shares(values: pd.Series | np.ndarray, bins: tuple[float, ...] = SCORE_BINS) -> np.ndarray:
    """Share of the non-NaN ``values`` in each bin (sums to 1; zeros when there are none).

    Bins are ``[b_i, b_i+1)`` with the last one closed; values outside the edges are clipped in.
    """
    x = np.asarray(values, dtype=np.float64)
    x = np.clip(x[~np.isnan(x)], bins[0], bins[-1])
    counts, _ = np.histogram(x, bins=np.asarray(bins))
    total = counts.sum()
    return counts / total if total else np.zeros(len(bins) - 1)


def psi(
    expected: pd.Series | np.ndarray,
    actual: pd.Series | np.ndarray,
    bins: tuple[float, ...] = SCORE_BINS,
) -> float:
    """PSI of ``actual`` against ``expected`` (unitless, >= 0; NaN when either is empty).

    Raises
    ------
    ValueError
        If ``bins`` are not strictly increasing with at least two edges.
    """
    edges = np.asarray(bins, dtype=np.float64)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be at least two strictly increasing edges, got {list(bins)}")
    e, a = bin_shares(expected, bins), bin_shares(actual, bins)
    if e.sum() == 0 or a.sum() == 0:
        return float("nan")
    e, a = np.maximum(e, EPSILON), np.maximum(a, EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def score_psi(expected: pd.DataFrame, actual: pd.DataFrame) -> pd.Series:
    """PSI per column (composite and the four sub-scores) between two ``ScoreFrame`` snapshots.

    Pending rows (status not ``scored``) are left out of both.
    """

    def scored(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["status"] == "scored"] if "status" in frame else frame

    e, a = scored(expected), scored(actual)
    return pd.Series({c: psi(e[c], a[c]) for c in COLUMNS}, name="psi", dtype="float64")
