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

__all__ = ["TEXT_DTYPE_NAMES", "holds_text", "is_text_dtype", "text_hash"]

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
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and len(series):
        import pyarrow as pa  # installed: the column is stored in it

        array: Any = pa.array(series.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()  # one contiguous array (copied only when chunked)
        n = len(array)
        _, offsets_buffer, data_buffer = array.buffers()
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset : array.offset + n + 1]
        start = offsets[:-1].astype(np.int64)
        length = offsets[1:].astype(np.int64) - start
        longest = int(length.max())
        if longest <= _MAX_BYTES:
            data = np.frombuffer(data_buffer, dtype=np.uint8) if longest else np.zeros(0, np.uint8)
            # Every position read as the little-endian 8-byte word starting there (padded so
            # the last words exist): a string is hashed a word at a time, the bytes past its
            # end masked off (the length in the seed tells "a" from "a\0").
            padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
            words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
            hashed = length.astype(np.uint64) * _LENGTH_MIX
            for k in range(0, longest, 8):
                left = length - k  # bytes of the string from k on
                at = np.minimum(start + k, len(words) - 1)  # finished strings read anything
                word = words[at] & _LOW_BYTES[np.clip(left, 0, 8)]
                hashed = np.where(left > 0, hashed * _P + word, hashed)
            return hashed.view(np.int64)
    values = series.to_numpy(dtype=object)
    return np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
