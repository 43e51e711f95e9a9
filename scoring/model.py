"""The v1 score: four sub-scores, their weighted composite, tier, confidence and reasons.

:func:`score_frames` is the one entry point. It validates the input frames
(:mod:`scoring.validation`), turns the facts known at as-of into integer-coded arrays
(:mod:`scoring.facts`), computes every feature family for all borrowers at once with numpy
(no per-borrower Python loop: one borrower or a million run the same array code) and returns a
``ScoreFrame``: one row per borrower of ``frames.connections``, sorted by ``borrower_id``.

Sub-scores are points in [0, 100]. ``composite`` is the weighted sum of the *unrounded*
sub-scores; every score is then rounded to 1 decimal (so the composite may differ by up to 0.05
from the weighted sum of the printed sub-scores). ``tier`` is read from the unrounded composite.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pandas as pd

from scoring.chunks import CHUNK_ROWS, BorrowerChunks, borrower_chunks
from scoring.facts import collect_facts
from scoring.features import blend, per_borrower
from scoring.features.consistency import consistency_features
from scoring.features.evidence import confidence_levels, evidence_score, pending_features
from scoring.features.growth import growth_features, growth_points
from scoring.features.reliability import health_signals, reliability_features
from scoring.features.revenue import (
    next_tier_usd,
    reconciliation,
    revenue_features,
    revenue_points,
)
from scoring.params import DEFAULT_PARAMS, MODEL_VERSION, Params
from scoring.reasons import reason_lists
from scoring.schemas import SUB_SCORES, Frames, ScoreFrame
from scoring.validation import validate
from scoring.window import ScoringWindow

__all__ = ["MODEL_VERSION", "SUB_SCORES", "borrower_features", "score_frames"]

_CONSISTENCY = ("active_weeks", "weekly_cv", "monthly_stability", "shop_age", "seller_type")
_RELIABILITY = ("rating", "return_rate", "cancellation_rate", "on_time", "violations")
_GROWTH = ("revenue_trend", "order_trend", "affiliate_trend")


def _weights(section: object, names: tuple[str, ...], suffix: str) -> list[float]:
    return [float(getattr(section, f"{name}{suffix}")) for name in names]


def _sub_score(
    f: dict[str, np.ndarray], sub: str, names: tuple[str, ...], weights: list[float], empty: float
) -> None:
    """Blend the components ``<name>_component`` of ``f`` into ``f[sub]`` (points) and record
    each component's effective share as ``<sub>_share_<name>``."""
    components = [(w, f[f"{name}_component"]) for w, name in zip(weights, names, strict=True)]
    mixed, shares = blend(components, empty)
    f[sub] = 100.0 * mixed
    for name, share in zip(names, shares, strict=True):
        f[f"{sub}_share_{name}"] = share
    f[f"{sub}_signals"] = (np.stack(shares) > 0.0).sum(axis=0)


def borrower_features(
    frames: Frames, as_of: pd.Timestamp | datetime, params: Params | None = None
) -> pd.DataFrame:
    """Every per-borrower feature, component and unrounded sub-score, indexed by borrower_id.

    The analysts' view of what :func:`score_frames` decides from; same validation.
    """
    p = DEFAULT_PARAMS if params is None else params
    window = ScoringWindow.ending_at(as_of, p.window)
    f = _features(frames, window, p)
    return pd.DataFrame(
        {k: v for k, v in f.items() if k != "borrowers"},
        index=pd.Index(f["borrowers"], name="borrower_id"),
    )


def _features(frames: Frames, window: ScoringWindow, p: Params) -> dict[str, np.ndarray]:
    v = validate(frames)
    facts = collect_facts(v, window, p)
    n = len(facts.borrowers)
    conns = v.frames.connections
    f: dict[str, np.ndarray] = {"borrowers": facts.borrowers}
    f.update(revenue_features(facts, n, p.window.days_per_month))
    f["commission_count"] = per_borrower(facts.com_b, None, n)
    f["activity_count"] = f["sale_count"] + f["commission_count"]
    f["revenue"] = revenue_points(f["monthly_revenue_usd"], p)
    f["next_tier_usd"] = next_tier_usd(f["monthly_revenue_usd"], p)
    f.update(reconciliation(facts, window, p, n))
    f.update(consistency_features(facts, conns, window, p, n))
    f.update(
        reliability_features(
            facts,
            health_signals(
                v.frames.shop_health, v.connection_positions("shop_health"), facts.conn_b, window
            ),
            p,
            n,
        )
    )
    f.update(growth_features(facts, window, p, n))
    f.update(pending_features(conns, facts.conn_b, window, p, n))

    _sub_score(
        f, "consistency", _CONSISTENCY, _weights(p.consistency, _CONSISTENCY, "_weight"), 0.0
    )
    _sub_score(
        f,
        "reliability",
        _RELIABILITY,
        _weights(p.reliability, _RELIABILITY, "_weight"),
        p.reliability.no_signal_points / 100.0,
    )
    neutral = float(growth_points(np.zeros(1), p)[0]) / 100.0
    _sub_score(f, "growth", _GROWTH, _weights(p.growth, _GROWTH, "_weight"), neutral)
    weights = p.weights.as_dict()
    f["composite"] = np.sum([weights[name] * f[name] for name in SUB_SCORES], axis=0)
    f["evidence"] = evidence_score(f, p)
    return f


def _tiers(composite: np.ndarray, p: Params) -> np.ndarray:
    bounds = np.asarray(p.tiers.min_composite)
    # bounds decrease; count how many bounds the composite falls below.
    position = (composite[:, None] < bounds[None, :]).sum(axis=1)
    names = np.asarray(p.tiers.names, dtype=object)
    return np.asarray(names[np.minimum(position, len(names) - 1)])


def score_frames(
    frames: Frames,
    as_of: pd.Timestamp | datetime,
    params: Params | None = None,
    *,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Score every borrower of ``frames.connections`` as of ``as_of``.

    Parameters
    ----------
    frames
        The seven input frames (see :mod:`scoring.schemas`).
    as_of
        Timezone-aware instant; only facts observed by then and dated before it, within the
        last ``params.window.days`` days, count.
    params
        Model parameters; ``scoring/params/v1.toml`` by default.
    workers
        Threads scoring chunks side by side. About two thirds of the work runs in numpy and
        Arrow without the GIL, so two threads score a large batch about 1.4 times as fast as
        one. One by default: the caller decides what cores scoring may take.
    chunk_rows
        A batch of more rows than this is scored in chunks of whole borrowers of about this
        many rows (:mod:`scoring.chunks`); the result is the same.

    Returns
    -------
    pd.DataFrame
        A ``ScoreFrame`` (validated against its pandera model), one row per borrower,
        sorted by ``borrower_id``.

    Raises
    ------
    scoring.schemas.FramesInvalidError
        If any input frame breaks its contract (all failures listed).
    ValueError
        If ``as_of`` is naive, a currency has no USD rate, or ``workers`` or ``chunk_rows`` is
        not positive.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    p = DEFAULT_PARAMS if params is None else params
    window = ScoringWindow.ending_at(as_of, p.window)
    chunks = borrower_chunks(frames, chunk_rows)
    if chunks is None:
        out = _score(frames, window, p)
    else:
        out = _score_chunks(frames, chunks, window, p, workers)
    validated: pd.DataFrame = ScoreFrame.validate(out)
    return validated


def _score_chunks(
    frames: Frames, chunks: BorrowerChunks, window: ScoringWindow, p: Params, workers: int
) -> pd.DataFrame:
    """The scores of ``chunks`` (cut from ``frames``) put together, sorted by borrower."""

    def score(k: int) -> pd.DataFrame:
        return _score(chunks[k], window, p)  # the chunk is built here, in its own thread

    try:
        if workers == 1:
            parts = [score(k) for k in range(len(chunks))]
        else:
            pool = ThreadPoolExecutor(min(workers, len(chunks)), "score-chunk")
            try:
                parts = list(pool.map(score, range(len(chunks))))
            finally:  # after a failure, chunks not yet started are not scored for nothing
                pool.shutdown(cancel_futures=True)
    except ValueError:
        # A chunk's error lists its own rows only: scored whole, the batch raises the error
        # that lists every failure (FramesInvalidError is a ValueError).
        return _score(frames, window, p)
    out = pd.concat(parts, ignore_index=True)
    order = np.argsort(out["borrower_id"].to_numpy(dtype=object), kind="stable")
    return out.take(order).reset_index(drop=True)


def _score(frames: Frames, window: ScoringWindow, p: Params) -> pd.DataFrame:
    """The scores of ``frames`` in one piece, not yet validated against ``ScoreFrame``."""
    f = _features(frames, window, p)
    pending = f["pending"]
    scored = ~pending

    def points(values: np.ndarray) -> np.ndarray:
        return np.where(scored, np.round(np.clip(values, 0.0, 100.0), 1), np.nan)

    tiers = _tiers(f["composite"], p).astype(object)
    tiers[pending] = None
    confidence = confidence_levels(f["evidence"], p).astype(object)
    confidence[pending] = None
    n = len(f["borrowers"])
    out = pd.DataFrame(
        {
            "borrower_id": pd.array(f["borrowers"], dtype="str"),
            "status": np.where(pending, "pending", "scored"),
            "composite": points(f["composite"]),
            **{name: points(f[name]) for name in SUB_SCORES},
            "tier": pd.array(tiers, dtype="str"),
            "confidence": pd.array(confidence, dtype="str"),
            "reasons": pd.Series(reason_lists(f, p), dtype=object),
            "monthly_revenue_usd": np.where(scored, np.round(f["monthly_revenue_usd"], 2), np.nan),
            "order_count": f["sale_count"].astype(np.int64),
            "model_version": pd.array([p.model_version] * n, dtype="str"),
            "as_of": pd.Series(window.end, index=range(n)),
            "window_start": pd.Series(window.start, index=range(n)),
            "window_end": pd.Series(window.end, index=range(n)),
        }
    )
    out["status"] = out["status"].astype("str")
    return out
