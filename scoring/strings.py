"""String columns in any of the storages pandas may give them, recognised in one place.

pandas 3 stores a ``str`` column as ``StringDtype(na_value=nan)`` backed by Arrow when
``pyarrow`` is importable and by Python objects otherwise, so the same code sees different
storages on different machines (``pyarrow`` comes with ``creditscore[scale]``, which Dask's
dataframes need). Callers may also pass ``object`` columns of ``str``, or the ``string`` dtype
(``pd.NA`` for missing) in either storage. pandera names the dtype of a ``Series[str]`` field
``str``, ``string``, ``string[python]`` or ``string[pyarrow]`` depending on the same choice.
Scoring treats all of these as the same strings: its results do not depend on the storage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "TEXT_DTYPE_NAMES",
    "arrow_codes",
    "arrow_runs",
    "holds_text",
    "is_text_dtype",
    "text_hash",
]

_P = np.uint64(0x100000001B3)  # FNV's 64-bit prime
_LENGTH_MIX = np.uint64(0x9E3779B97F4A7C15)
#: Longest string :func:`text_hash` hashes from Arrow's buffers (one pass per 8 bytes).
_MAX_BYTES = 64
#: ``_LOW_BYTES[k]`` keeps the low ``k`` bytes of a word.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)

#: Names pandera (and pandas) give the dtype of a string column, whatever its storage.
TEXT_DTYPE_NAMES = frozenset({"str", "string", "string[python]", "string[pyarrow]"})


def is_text_dtype(dtype: Any) -> bool:
    """True for a pandas string dtype (either storage, either missing value) or its name."""
    if isinstance(dtype, pd.StringDtype):
        return True
    return isinstance(dtype, str) and dtype in TEXT_DTYPE_NAMES


def holds_text(series: pd.Series) -> bool:
    """True when ``series`` is a string column: a string dtype, or ``object`` holding only
    ``str`` values and missing values (an empty ``object`` column counts)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    if series.dtype != np.dtype(object):
        return False
    return pd.api.types.infer_dtype(series, skipna=True) in {"string", "empty"}


def _arrow(series: pd.Series) -> Any:
    """The column's Arrow array, one contiguous chunk; None unless it is Arrow-backed text."""
    dtype = series.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa  # installed: the column is stored in it

    array: Any = pa.array(series.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()  # one contiguous array (copied only when chunked)
    return array


#: Rows :func:`arrow_codes` inspects to decide whether a column comes in runs.
_RUN_SAMPLE = 65_536
#: Largest share of rows starting a run for which factorizing one row per run pays off.
_RUN_SHARE = 0.25


def _run_starts(array: Any) -> np.ndarray:
    """Positions where a value differs from the one before (0 included; a null always starts
    a run, so nulls are never merged)."""
    import pyarrow.compute as pc

    same = pc.fill_null(pc.equal(array.slice(1), array.slice(0, len(array) - 1)), False)
    changed = np.flatnonzero(~same.to_numpy(zero_copy_only=False)) + 1
    return np.concatenate((np.zeros(1, dtype=changed.dtype), changed))


def _runs_worth_it(array: Any) -> np.ndarray | None:
    """Where the column's runs start, when its rows come mostly in runs; else None.

    Facts arrive grouped by connection, so ``connection_id``, ``borrower_id`` and
    ``currency`` repeat row after row. Comparing each row with the one before is a sequential
    pass; looking every row up in a hash table of 100,000 ids is not.
    """
    if len(array) < 2:
        return None
    sample = array.slice(0, min(len(array), _RUN_SAMPLE))
    if _run_starts(sample).size > _RUN_SHARE * len(sample):
        return None
    return _run_starts(array)


def arrow_runs(series: pd.Series) -> tuple[np.ndarray | None, np.ndarray, np.ndarray] | None:
    """Arrow's dictionary encoding of an Arrow-backed string column, a run at a time when its
    rows come mostly in runs of equal values: ``(starts, codes, uniques)``, ``starts`` the
    row where each run begins (None when every row is its own run), ``codes`` the int64 code
    of each run (or row; -1 for missing) in order of first appearance, ``uniques`` the
    distinct strings as an ``object`` array. None for any other storage.

    A value first appears where a run starts, so encoding one row per run gives the same codes
    and order as encoding every row.
    """
    array = _arrow(series)
    if array is None:
        return None
    starts = _runs_worth_it(array)
    encoded = (array if starts is None else array.take(starts)).dictionary_encode()
    # nulls stay null in the indices, out of the dictionary
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if encoded.null_count:
        codes = np.where(encoded.is_null().to_numpy(zero_copy_only=False), -1, codes)
    return starts, codes.astype(np.int64), np.array(encoded.dictionary.to_pylist(), dtype=object)


def arrow_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``pandas.factorize`` of an Arrow-backed string column computed by Arrow's dictionary
    encoding directly: int64 codes in order of first appearance (-1 for missing) and the
    distinct strings as an ``object`` array. None for any other storage.

    The same codes and uniques as ``pandas.factorize``, in about half its time on millions of
    rows (pandas adds conversions around the same Arrow kernel). A column that comes in runs
    of equal values is encoded one row per run (:func:`arrow_runs`) and the codes repeated
    along each run.
    """
    runs = arrow_runs(series)
    if runs is None:
        return None
    starts, codes, uniques = runs
    if starts is not None:
        codes = np.repeat(codes, np.diff(np.append(starts, len(series))))
    return codes, uniques


def text_hash(series: pd.Series) -> np.ndarray:
    """An int64 per row of a string column, equal for equal strings (and rarely for unequal
    ones; a missing value hashes like the empty string). Callers compare colliding rows exactly.

    Arrow-backed columns of short strings (ids: at most ``_MAX_BYTES`` bytes) are hashed in
    numpy straight from Arrow's buffers, one pass per 8 bytes over all rows (``h = h * P + w``
    for each little-endian 8-byte word ``w``, uint64 arithmetic wrapping modulo 2**64, seeded
    with the length), never turning the strings into Python objects, the slowest step on
    millions of rows.
    Other columns use Python's string hash.
    """
    array = _arrow(series) if len(series) else None
    if array is not None:
        import pyarrow as pa

        n = len(array)
        _, offsets_buffer, data_buffer = array.buffers()
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset : array.offset + n + 1]
        start = offsets[:-1].astype(np.int64, copy=False)
        length = np.diff(offsets).astype(np.int64, copy=False)
        longest, shortest = int(length.max()), int(length.min())
        if longest <= _MAX_BYTES:
            data = np.frombuffer(data_buffer, dtype=np.uint8) if longest else np.zeros(0, np.uint8)
            # Every position read as the little-endian 8-byte word starting there (padded so
            # the last words exist): a string is hashed a word at a time, the bytes past its
            # end masked off (the length in the seed tells "a" from "a\0").
            padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
            words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
            hashed = length.astype(np.uint64) * _LENGTH_MIX
            for k in range(0, longest, 8):
                # Steps no row needs are skipped (same hash): clamping the position (every
                # string reaches k, so start + k is inside the data), masking (every string
                # has 8 bytes from k on) and keeping finished strings' hashes.
                left = length - k  # bytes of the string from k on
                at = start + k if k < shortest else np.minimum(start + k, len(words) - 1)
                word = words[at]
                if k + 8 > shortest:
                    word &= _LOW_BYTES[np.clip(left, 0, 8)]
                step = hashed * _P + word
                hashed = step if k < shortest else np.where(left > 0, step, hashed)
            return hashed.view(np.int64)
    values = series.to_numpy(dtype=object)
    return np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
