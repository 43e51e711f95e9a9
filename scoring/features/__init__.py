"""Feature families of the v1 score, one module each: revenue, consistency, reliability, growth,
evidence (pending status and confidence).

Every function is pure and vectorised over all borrowers at once: inputs are the integer-coded
arrays of :class:`scoring.facts.Facts`, outputs are float64 arrays of length B (one value per
borrower code). A missing signal is NaN in a component array and drops out of its sub-score
through :func:`blend`, so it never costs points.
"""

from __future__ import annotations

import numpy as np

__all__ = ["blend", "per_borrower", "ramp"]


def per_borrower(codes: np.ndarray, values: np.ndarray | None, n: int) -> np.ndarray:
    """Sum of ``values`` (count of rows when None) per code ``0..n-1``, float64."""
    if codes.size == 0:
        return np.zeros(n)
    return np.bincount(codes, weights=values, minlength=n).astype(np.float64)


def ramp(x: np.ndarray, zero_at: float, one_at: float) -> np.ndarray:
    """Linear 0→1 from ``zero_at`` to ``one_at`` (either direction), clipped; NaN stays NaN."""
    return np.clip((x - zero_at) / (one_at - zero_at), 0.0, 1.0)


def blend(
    components: list[tuple[float, np.ndarray]], empty: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Weighted mean of the available (non-NaN) components, per borrower.

    Parameters
    ----------
    components
        ``(weight, values in [0, 1] or NaN)`` pairs.
    empty
        Result (in [0, 1]) for a borrower with no available component.

    Returns
    -------
    tuple
        The blend in [0, 1], and per component its effective weight per borrower (weight over
        the sum of available weights; 0 where missing), so points lost can be attributed.
    """
    weights = np.stack([np.where(np.isnan(v), 0.0, w) for w, v in components])
    values = np.stack([np.nan_to_num(v, nan=0.0) for _, v in components])
    total = weights.sum(axis=0)
    safe = np.where(total > 0.0, total, 1.0)
    share = weights / safe
    mixed = np.where(total > 0.0, (share * values).sum(axis=0), empty)
    return mixed, list(share)
