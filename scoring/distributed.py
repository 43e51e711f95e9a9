"""Batch scoring on Dask: the same :func:`scoring.score_frames`, run per partition of borrowers.

Every borrower's rows, in all six per-borrower input frames, go to one partition, so scoring a
partition needs nothing from the others and the concatenated partitions equal scoring the whole
(same rows, columns and values, sorted by ``borrower_id``). A row's partition is a stable hash
(:func:`pandas.util.hash_array`) of the borrower that owns its *connection* (its own
``borrower_id`` when the connection is unknown), so a row whose ``borrower_id`` disagrees with
its connection lands beside that connection and fails validation as it would in one piece.

Each per-borrower frame becomes a ``dask.dataframe`` indexed by partition number, partition
``k`` holding exactly the rows of number ``k`` (with a client the pieces are scattered to the
workers and read with :func:`dask.dataframe.from_delayed`, without one
:func:`dask.dataframe.from_map` wraps them), with the same
known divisions ``(0, 1, …, n-1, n-1)`` for all six; :func:`dask.dataframe.map_partitions`
then calls :func:`scoring.score_frames` on the six ``k``-th partitions together (aligned by
those divisions, so no shuffle). ``fx_rates`` is not per borrower: it goes to every partition
whole, as one shared task. The output's ``meta`` is the score of empty frames.

``dask.dataframe`` needs ``pyarrow``; with it installed pandas stores ``str`` columns in Arrow
(in the whole process), which scoring accepts like the other storages (:mod:`scoring.strings`).
Dask's conversion of ``object`` string columns to Arrow is switched off for these frames: the
partitions reach :func:`scoring.score_frames` in the caller's dtypes, and copying every string
column would only cost time.

Dask is an optional dependency (``pip install creditscore[scale]``): it is imported when
:func:`score_frames_dask` is called, so the service and ``import scoring`` never need it.
An invalid input raises :class:`scoring.FramesInvalidError` from the first failing partition,
listing that partition's failures only.
"""

from __future__ import annotations

import os
import uuid
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


def _pieces(frame: pd.DataFrame, buckets: np.ndarray, npartitions: int) -> list[pd.DataFrame]:
    """``frame`` cut by ``buckets`` into ``npartitions`` pieces, piece ``k`` indexed by ``k``
    (row order kept in each piece)."""
    order = np.argsort(buckets, kind="stable")
    bounds = np.searchsorted(buckets[order], np.arange(1, npartitions))
    pieces = []
    for k, rows in enumerate(np.split(order, bounds)):
        piece = frame.iloc[rows]
        piece.index = pd.Index(np.full(len(rows), k, dtype=np.int64))
        pieces.append(piece)
    return pieces


def _as_partition(piece: pd.DataFrame) -> pd.DataFrame:
    """``from_map``'s function: the piece is the partition."""
    return piece


def _score_partition(
    orders: pd.DataFrame,
    returns: pd.DataFrame,
    commissions: pd.DataFrame,
    settlements: pd.DataFrame,
    shop_health: pd.DataFrame,
    connections: pd.DataFrame,
    fx_rates: pd.DataFrame,
    as_of: pd.Timestamp | datetime,
    params: Params | None,
) -> pd.DataFrame:
    """:func:`scoring.score_frames` on one partition's frames (positional index restored)."""
    own = (orders, returns, commissions, settlements, shop_health, connections)
    frames = Frames(
        **{n: f.reset_index(drop=True) for n, f in zip(_BORROWER_FRAMES, own, strict=True)},
        fx_rates=fx_rates,
    )
    return score_frames(frames, as_of, params=params)


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
    import dask
    import dask.dataframe as dd
    from dask.delayed import delayed

    if npartitions is None:
        threads = sum(client.nthreads().values()) if client is not None else os.cpu_count()
        npartitions = max(1, int(threads or 1))
    buckets = borrower_partitions(frames, npartitions)
    # Partition k holds index value k only: divisions 0..n-1, the last one closed.
    divisions = (*range(npartitions), npartitions - 1)
    meta = score_frames(Frames.empty(), as_of, params=params)
    with dask.config.set({"dataframe.convert-string": False}):
        parts = []
        for name in _BORROWER_FRAMES:
            frame: pd.DataFrame = getattr(frames, name)
            pieces = _pieces(frame, buckets[name], npartitions)
            empty = pieces[0].iloc[:0]
            if client is not None:
                # Sent to the workers directly rather than inside the task graph, which would
                # carry every row through the scheduler (Dask warns of a large graph).
                futures = client.scatter(pieces)
                part = dd.from_delayed(futures, meta=empty, divisions=divisions, verify_meta=False)
            else:
                part = dd.from_map(  # type: ignore[no-untyped-call]
                    _as_partition,
                    pieces,
                    meta=empty,
                    divisions=divisions,
                    label=f"borrower-{name}",
                    enforce_metadata=False,
                )
            parts.append(part)
        # One task holding the rates, read by every partition (named: hashing it is not needed).
        fx_rates = delayed(frames.fx_rates, name=f"fx-rates-{uuid.uuid4().hex}")
        scored = dd.map_partitions(  # type: ignore[no-untyped-call]
            _score_partition,
            *parts,
            fx_rates,
            as_of,
            params,
            meta=meta,
            enforce_metadata=False,
            clear_divisions=True,  # the scores are indexed 0..m-1 per partition, not by k
            align_dataframes=False,  # already aligned: same divisions, no repartitioning
        )
        options = {} if client is None else {"scheduler": client}
        result: pd.DataFrame = scored.compute(**options)
    return result.sort_values("borrower_id", kind="stable").reset_index(drop=True)
