"""Batch scoring on Dask: the same :func:`scoring.score_frames`, run per partition of borrowers.

Every borrower's rows, in all seven input frames, go to one partition, so scoring a partition
needs nothing from the others and the concatenated partitions equal scoring the whole (same
rows, columns and values, sorted by ``borrower_id``). A row's partition is a stable hash
(:func:`pandas.util.hash_array`) of the borrower that owns its *connection* (its own
``borrower_id`` when the connection is unknown), so a row whose ``borrower_id`` disagrees with
its connection lands beside that connection and fails validation as it would in one piece.

Why ``dask.delayed`` over aligned partitions rather than ``dask.dataframe.map_partitions``: both
run one task per partition of all seven frames, and ``map_partitions`` could align them (each
frame indexed by its partition number, with the same divisions), but ``dask.dataframe`` needs
``pyarrow``, and with ``pyarrow`` installed pandas 3 switches its default ``str`` storage to
Arrow in the whole process (the service and every test included), which the dtype checks of
:mod:`scoring.validation` do not accept. ``dask.delayed`` needs only ``dask[distributed]``.
``fx_rates`` (not per borrower) goes to every partition whole.

Dask is an optional dependency (``pip install creditscore[scale]``): it is imported when
:func:`score_frames_dask` is called, so the service and ``import scoring`` never need it.
An invalid input raises :class:`scoring.FramesInvalidError` from the first failing partition,
listing that partition's failures only.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from scoring.model import score_frames
from scoring.params import Params
from scoring.schemas import Frames

__all__ = ["borrower_partitions", "score_frames_dask"]

_BORROWER_FRAMES = tuple(n for n in Frames.SCHEMAS if n != "fx_rates")


def borrower_partitions(frames: Frames, npartitions: int) -> dict[str, np.ndarray]:
    """Partition number (0..npartitions-1) of every row of each per-borrower frame.

    Raises
    ------
    ValueError
        If ``npartitions`` is not positive.
    """
    if npartitions < 1:
        raise ValueError(f"npartitions must be at least 1, got {npartitions}")
    conns = frames.connections.drop_duplicates("connection_id")
    owner = pd.Series(
        conns["borrower_id"].to_numpy(dtype=object),
        index=pd.Index(conns["connection_id"].to_numpy(dtype=object)),
    )
    out: dict[str, np.ndarray] = {}
    for name in _BORROWER_FRAMES:
        frame: pd.DataFrame = getattr(frames, name)
        own = frame["borrower_id"].to_numpy(dtype=object)
        by_connection = owner.reindex(frame["connection_id"].to_numpy(dtype=object)).to_numpy()
        borrower = np.where(pd.isna(by_connection), own, by_connection).astype(str)
        hashed = pd.util.hash_array(borrower) if len(borrower) else np.zeros(0, np.uint64)
        out[name] = (hashed % np.uint64(npartitions)).astype(np.int64)
    return out


def _split(frames: Frames, npartitions: int) -> list[Frames]:
    """``frames`` cut into ``npartitions`` borrower-aligned pieces (row order kept in each)."""
    buckets = borrower_partitions(frames, npartitions)
    pieces: list[dict[str, pd.DataFrame]] = [{} for _ in range(npartitions)]
    for name in _BORROWER_FRAMES:
        frame: pd.DataFrame = getattr(frames, name)
        order = np.argsort(buckets[name], kind="stable")
        bounds = np.searchsorted(buckets[name][order], np.arange(1, npartitions))
        for k, rows in enumerate(np.split(order, bounds)):
            pieces[k][name] = frame.iloc[rows].reset_index(drop=True)
    return [Frames(**piece, fx_rates=frames.fx_rates) for piece in pieces]


def score_frames_dask(
    frames: Frames,
    as_of: pd.Timestamp | datetime,
    *,
    npartitions: int | None = None,
    client: Any = None,
    params: Params | None = None,
) -> pd.DataFrame:
    """:func:`scoring.score_frames` on Dask, partitioned by borrower; the same result.

    Parameters
    ----------
    frames, as_of, params
        As for :func:`scoring.score_frames`.
    npartitions
        Partitions of borrowers; by default the client's worker threads (or the CPU count
        without a client).
    client
        A ``dask.distributed.Client`` to run on; without one, Dask's current scheduler.

    Returns
    -------
    pd.DataFrame
        The ``ScoreFrame`` of every borrower, sorted by ``borrower_id`` with a 0..n-1 index.

    Raises
    ------
    ValueError
        If ``npartitions`` is not positive, ``as_of`` is naive or a currency has no USD rate.
    scoring.schemas.FramesInvalidError
        If a partition's frames break their contracts.
    """
    # Optional dependency, imported here so the service and ``import scoring`` never need it.
    from dask.base import compute
    from dask.delayed import delayed

    if npartitions is None:
        threads = sum(client.nthreads().values()) if client is not None else os.cpu_count()
        npartitions = max(1, int(threads or 1))
    score = delayed(score_frames)  # not pure: tokenising every piece would hash all the data
    tasks = [score(piece, as_of, params=params) for piece in _split(frames, npartitions)]
    options = {} if client is None else {"scheduler": client}
    parts: tuple[pd.DataFrame, ...] = compute(*tasks, **options)  # type: ignore[no-untyped-call]
    result = pd.concat(parts, ignore_index=True)
    return result.sort_values("borrower_id", kind="stable").reset_index(drop=True)
