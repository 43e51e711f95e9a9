"""Large batches cut into chunks of whole borrowers, so scoring works on arrays that stay small.

Why: on ten million fact rows every step of scoring makes arrays of tens of megabytes. glibc
gives blocks that large their own fresh pages, which the kernel zeroes on first touch and takes
back when they are freed, and none of them stays in the processor's caches; in one piece a third
of a 100,000-borrower batch went on that. In chunks of about a million rows the same work runs on
arrays a tenth the size that the allocator reuses (see the README's batch figures).

A borrower's score depends on that borrower's rows alone (and on the shared FX rates), so the
chunks' scores put together and sorted by ``borrower_id`` are the scores of the whole.

How rows are cut. A row goes with the borrower that owns its connection in ``connections``, so a
row whose own ``borrower_id`` disagrees with its connection lands beside that connection and
fails validation there as it would in one piece. Rows whose connection is not in
``connections`` all go to the first chunk (together, so a duplicate among them is still seen),
where scoring skips them as it would in one piece. Borrowers are taken in order of first
appearance in ``connections``; a chunk closes once it holds ``chunk_rows`` rows. Where a frame's
rows already come in that order (the service loads every frame ordered by borrower), each chunk
is a slice of it and nothing is copied; otherwise each chunk's rows are gathered, in order, when
that chunk is scored.

What one chunk cannot check is kept whole: frames whose connection ids repeat are not cut (the
whole batch's validation refuses them), and ``fx_rates`` goes whole to every chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from scoring.schemas import Frames
from scoring.strings import arrow_runs

__all__ = ["CHUNK_ROWS", "BorrowerChunks", "borrower_chunks"]

#: Rows (of all per-borrower frames together) a chunk closes at. About a million rows keeps each
#: array of a chunk within a few megabytes while the fixed cost of a call stays small beside it.
CHUNK_ROWS: Final = 1_000_000

_FACT_FRAMES: Final = ("orders", "returns", "commissions", "settlements", "shop_health")


def _runs(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, codes, uniques)`` of a string column: the row each run of equal values starts
    at, each run's code (-1 for missing) and the distinct values. Every row is its own run
    unless the column is stored in Arrow and comes in runs (:func:`scoring.strings.arrow_runs`).

    Raises
    ------
    TypeError
        If the column holds unhashable values.
    """
    runs = arrow_runs(series)
    if runs is not None:
        starts, codes, uniques = runs
        return (np.arange(len(series)) if starts is None else starts), codes, uniques
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return np.arange(len(series)), np.asarray(codes, dtype=np.int64), uniques


@dataclass(frozen=True, slots=True)
class _Cut:
    """Where each chunk's rows of one frame are: ``frame``'s rows ``bounds[k]`` to
    ``bounds[k + 1]`` (of ``order`` when the rows must be gathered)."""

    frame: pd.DataFrame
    bounds: np.ndarray
    order: np.ndarray | None

    def piece(self, k: int) -> pd.DataFrame:
        lo, hi = int(self.bounds[k]), int(self.bounds[k + 1])
        if self.order is None:
            return self.frame.iloc[lo:hi]
        return self.frame.take(self.order[lo:hi])


def _cut(frame: pd.DataFrame, starts: np.ndarray, chunk_of_run: np.ndarray, n_chunks: int) -> _Cut:
    """``frame`` cut into ``n_chunks`` pieces, run ``i`` (from row ``starts[i]`` to the next
    start) going to piece ``chunk_of_run[i]``; rows keep their order within a piece."""
    n = len(frame)
    if n == 0 or bool((chunk_of_run[1:] >= chunk_of_run[:-1]).all()):
        first = np.searchsorted(chunk_of_run, np.arange(n_chunks + 1), side="left")
        return _Cut(frame, np.append(starts, n)[first], None)
    chunk_of_row = np.repeat(chunk_of_run, np.diff(np.append(starts, n)))
    order = np.argsort(chunk_of_row, kind="stable")
    bounds = np.searchsorted(chunk_of_row[order], np.arange(n_chunks + 1), side="left")
    return _Cut(frame, bounds, order)


class BorrowerChunks:
    """The chunks of a batch, each built when it is asked for: a slice of the caller's frames
    costs nothing, but gathered rows are a copy, and holding every chunk's copy at once would
    double the batch's memory."""

    def __init__(self, cuts: dict[str, _Cut], fx_rates: pd.DataFrame, count: int) -> None:
        self._cuts, self._fx_rates, self._count = cuts, fx_rates, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: int) -> Frames:
        if not 0 <= k < self._count:
            raise IndexError(f"chunk {k} of {self._count}")
        pieces = {name: cut.piece(k) for name, cut in self._cuts.items()}
        return Frames(**pieces, fx_rates=self._fx_rates)

    def __iter__(self) -> Iterator[Frames]:
        return (self[k] for k in range(self._count))


def borrower_chunks(frames: Frames, chunk_rows: int = CHUNK_ROWS) -> BorrowerChunks | None:
    """``frames`` cut into chunks of whole borrowers of about ``chunk_rows`` rows each (see the
    module doc), in order of the borrowers' first appearance in ``connections``.

    None when one chunk would hold every row, or when the frames are not shaped to be cut (a
    member that is not a DataFrame, a missing id column, missing or repeated connection ids):
    scoring them whole then reports what is wrong.

    Raises
    ------
    ValueError
        If ``chunk_rows`` is not positive.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    members = {name: getattr(frames, name) for name in (*_FACT_FRAMES, "connections")}
    if not all(
        isinstance(frame, pd.DataFrame) and {"borrower_id", "connection_id"} <= set(frame.columns)
        for frame in members.values()
    ):
        return None
    if sum(len(frame) for frame in members.values()) <= chunk_rows:
        return None
    conns = members["connections"]
    if conns["connection_id"].isna().any() or conns["borrower_id"].isna().any():
        return None
    try:
        connection_index = pd.Index(conns["connection_id"].to_numpy(dtype=object), dtype=object)
        owner, _ = pd.factorize(conns["borrower_id"].to_numpy(dtype=object))
        if not connection_index.is_unique:
            return None
        runs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in _FACT_FRAMES:
            starts, codes, uniques = _runs(members[name]["connection_id"])
            found = (
                connection_index.get_indexer(pd.Index(uniques, dtype=object))
                if len(uniques)
                else np.zeros(0)
            )
            runs[name] = starts, np.append(np.asarray(found, dtype=np.int64), -1)[codes]
    except TypeError:  # unhashable ids: validation says which
        return None

    # Rows per connection (its own row included), then per borrower, in order of appearance.
    n_conn = len(conns)
    weight = np.ones(n_conn)
    for name, (starts, position) in runs.items():
        lengths = np.diff(np.append(starts, len(members[name])))
        known = position >= 0
        weight += np.bincount(position[known], weights=lengths[known], minlength=n_conn)
    per_borrower = np.bincount(owner, weights=weight)
    before = np.cumsum(per_borrower) - per_borrower
    # A borrower heavier than a chunk gets one of its own: number the chunks that occur.
    chunk_numbers, chunk_of_borrower = np.unique(before // chunk_rows, return_inverse=True)
    n_chunks = len(chunk_numbers)
    if n_chunks == 1:
        return None
    chunk_of_connection = chunk_of_borrower[owner]

    cuts: dict[str, _Cut] = {}
    for name, (starts, position) in runs.items():
        chunk_of_run = np.where(position >= 0, chunk_of_connection[position], 0)
        cuts[name] = _cut(members[name], starts, chunk_of_run, n_chunks)
    cuts["connections"] = _cut(conns, np.arange(n_conn), chunk_of_connection, n_chunks)
    return BorrowerChunks(cuts, frames.fx_rates, n_chunks)
