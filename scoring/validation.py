"""Validation of the input frames against their pandera models, fast enough for ten million rows.

Running ``DataFrameModel.validate`` on a 10-million-row order frame costs more than scoring it,
mostly in element checks of string columns and in the uniqueness check. This module enforces the
*same* contracts (the models in :mod:`scoring.schemas` stay the single source of truth; nothing
here lists a column or a rule) on every row, just computed differently:

* columns: exactly the model's (``strict``), none missing;
* dtypes: coerced where the model says ``coerce`` (Decimal/int amounts → float64, integers →
  Int64), aware datetimes converted to ns UTC, naive ones rejected, string columns must hold
  strings;
* nulls: every non-nullable column, every row;
* column checks: each pandera ``Check`` of the model is called as pandera defines it — on the
  whole column for numbers and datetimes, and on the column's *distinct values* for strings
  (``isin``, ``str_matches`` are element-wise, so checking each distinct value once decides
  every row). The distinct values come from one ``pandas.factorize`` per column, whose codes
  scoring reuses afterwards;
* uniqueness (``Config.unique``): an int64 key per row mixed from the connection id's
  factorize codes, a hash of other strings (:func:`scoring.strings.text_hash`) and the values
  of other columns, sorted (numpy's sort is fast); only rows whose keys collide are compared
  exactly, so a hash collision can never hide or invent a duplicate;
* frame checks (``@dataframe_check``): called as pandera defines them, on the whole frame.

Failures are collected for all frames and raised together as one :class:`FramesInvalidError`,
with pandera's check names (``isin``, ``str_matches``, ``multiple_fields_uniqueness``,
``column_in_schema``, ``column_in_dataframe``, ``dtype('…')``, ``not_nullable``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from scoring.schemas import Frames, FramesInvalidError
from scoring.strings import TEXT_DTYPE_NAMES, arrow_codes, holds_text, text_hash

__all__ = ["ValidatedFrames", "validate", "validate_frames"]

_UTC_NS = "datetime64[ns, UTC]"
_HASH_MULTIPLIER = np.int64(1_000_003)


@dataclass
class ValidatedFrames:
    """Validated frames plus the integer codes of string columns computed while validating.

    :meth:`codes` returns ``(codes, uniques)`` of a string column, factorizing it once;
    :meth:`connection_positions` the row of ``connections`` each fact row belongs to.
    """

    frames: Frames
    _factorized: dict[tuple[str, str], tuple[np.ndarray, Any]] = field(default_factory=dict)
    _codes: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _positions: dict[str, np.ndarray] = field(default_factory=dict)
    _connections: tuple[np.ndarray, pd.Index] | None = None

    def _factorize(self, frame: str, column: str) -> tuple[np.ndarray, Any]:
        """``pandas.factorize`` of a column (uniques as stored, or as ``str``), cached.

        Factorizing runs in C on either storage (Arrow's dictionary encoding for Arrow
        strings, called directly: :func:`scoring.strings.arrow_codes`), whereas turning
        millions of Arrow strings into Python objects is the slowest step of all; only the
        distinct values are ever converted (see :meth:`codes`).
        """
        key = (frame, column)
        if key not in self._factorized:
            series: pd.Series = getattr(self.frames, frame)[column]
            arrow = arrow_codes(series)
            if arrow is not None:
                self._factorized[key] = arrow
            else:
                codes, uniques = pd.factorize(series)
                self._factorized[key] = (np.asarray(codes, dtype=np.int64), uniques)
        return self._factorized[key]

    def codes(self, frame: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``pandas.factorize`` of ``frames.<frame>[column]`` (nulls coded -1), cached; the
        uniques as an ``object`` array of ``str``."""
        key = (frame, column)
        if key not in self._codes:
            codes, uniques = self._factorize(frame, column)
            self._codes[key] = (codes, np.asarray(uniques, dtype=object))
        return self._codes[key]

    def _connection_index(self) -> tuple[np.ndarray, pd.Index]:
        """The connection ids (``object``) and an index of their distinct values, built once.

        ``object`` on purpose: an index of ``str`` would copy every id into Arrow, and looking
        up ``object`` values in it would convert them back, both while holding the GIL.
        """
        if self._connections is None:
            ids = self.frames.connections["connection_id"].to_numpy(dtype=object)
            index = pd.Index(ids, dtype=object)
            if not index.is_unique:
                index = pd.Index(pd.unique(ids), dtype=object)
            self._connections = ids, index
        return self._connections

    def connection_positions(self, frame: str) -> np.ndarray:
        """Per row of ``frames.<frame>``, the position of its ``connection_id`` in
        ``frames.connections`` (first occurrence), -1 when it is not there. Cached."""
        if frame not in self._positions:
            ids, index = self._connection_index()
            # Looked up once per distinct id, then spread to the rows by their codes.
            codes, uniques = self.codes(frame, "connection_id")
            found = (
                index.get_indexer(pd.Index(uniques, dtype=object))
                if len(uniques)
                else np.zeros(0, np.intp)
            )
            if len(index) != len(ids):  # map first occurrences back to connection rows
                first = pd.Index(ids, dtype=object).get_indexer_for(index)[: len(index)]
                found = np.where(found >= 0, first[found], -1)
            with_null = np.append(np.asarray(found, dtype=np.int64), np.int64(-1))
            self._positions[frame] = with_null[codes]  # code -1 (null) reads the trailing -1
        return self._positions[frame]


@functools.cache
def _schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    schema: pa.DataFrameSchema = model.to_schema()
    return schema


def _failures(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["column", "check", "failure_case"])


def _all_null(series: pd.Series) -> bool:
    return bool(series.isna().all())


def _coerce(series: pd.Series, dtype: str, nullable: bool) -> pd.Series | None:
    """``series`` in the model's dtype, or None when it cannot honestly be one."""
    kind = series.dtype
    if dtype == _UTC_NS:
        if isinstance(kind, pd.DatetimeTZDtype):
            if str(kind) == _UTC_NS:
                return series
            converted: pd.Series = series.dt.tz_convert("UTC").dt.as_unit("ns")
            return converted
        if nullable and _all_null(series):
            return pd.Series(pd.NaT, index=series.index, dtype=_UTC_NS)
        return None
    if dtype == "float64":
        if kind == np.float64:
            return series
        if isinstance(kind, pd.DatetimeTZDtype) or kind == np.dtype(bool):
            return None
        try:
            return series.astype("float64")
        except (TypeError, ValueError):
            return None
    if dtype in TEXT_DTYPE_NAMES:
        if holds_text(series):  # any storage: scoring reads strings the same from each
            return series
        if nullable and _all_null(series):
            return pd.Series(pd.NA, index=series.index, dtype="str")
        return None
    if dtype == "bool":
        if kind == np.dtype(bool):
            return series
        if not series.isna().any() and pd.api.types.infer_dtype(series) == "boolean":
            return series.astype(bool)
        return None
    if dtype == "Int64":
        try:
            return series.astype("Int64")
        except (TypeError, ValueError):
            return None
    raise TypeError(f"validation does not know dtype {dtype!r}")  # pragma: no cover


def _row_hash(
    frame: pd.DataFrame, columns: list[str], cache: ValidatedFrames, name: str
) -> np.ndarray:
    """An int64 key per row that is equal for equal rows (and rarely for unequal ones)."""
    key = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind in "iuf":
            part = series.to_numpy(dtype="float64").view(np.int64)
        elif column == "connection_id":
            # Factorize codes (equal exactly when the ids are; nulls -1): scoring needs them
            # for the connection positions anyway.
            part = cache._factorize(name, column)[0]
        else:
            # Other ids (order, return, statement) are mostly distinct: hashing them beats
            # factorizing millions of distinct strings, which scoring never needs.
            part = text_hash(series)
        key = key * _HASH_MULTIPLIER + part
    return key


def _duplicates(
    frame: pd.DataFrame, columns: list[str], cache: ValidatedFrames, name: str
) -> pd.DataFrame:
    """Rows of ``frame`` whose ``columns`` occur more than once (exact)."""
    if len(frame) < 2:
        return frame.iloc[:0]
    key = _row_hash(frame, columns, cache, name)
    ordered = np.sort(key)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size == 0:
        return frame.iloc[:0]
    candidates = frame.loc[np.isin(key, repeated), columns]
    return candidates[candidates.duplicated(keep=False)]


def _check_column(
    name: str, column: pa.Column, series: pd.Series, cache: ValidatedFrames, frame: str
) -> list[tuple[str, str, object]]:
    rows: list[tuple[str, str, object]] = []
    is_text = str(column.dtype) in TEXT_DTYPE_NAMES
    if is_text and column.checks:
        codes, uniques = cache.codes(frame, name)
        if not column.nullable and (codes < 0).any():
            rows.append((name, "not_nullable", None))
        values = pd.Series(uniques, dtype=object)
    else:
        if not column.nullable and series.isna().any():
            rows.extend((name, "not_nullable", i) for i in series.index[series.isna()][:5])
        values = series
    for check in column.checks:
        result = check(values)
        if not result.check_passed:
            rows.extend((name, check.name, case) for case in result.failure_cases.head(20))
    return rows


def _validate_frame(
    name: str, model: type[pa.DataFrameModel], frame: pd.DataFrame, cache: ValidatedFrames
) -> tuple[pd.DataFrame, list[tuple[str, str, object]]]:
    schema = _schema(model)
    expected = list(schema.columns)
    missing = [c for c in expected if c not in frame.columns]
    extra = [c for c in frame.columns if c not in schema.columns]
    rows: list[tuple[str, str, object]] = [(c, "column_in_dataframe", c) for c in missing]
    rows += [(str(c), "column_in_schema", c) for c in extra]
    if rows:
        return frame, rows
    changed: dict[str, pd.Series] = {}
    for column_name, column in schema.columns.items():
        series = frame[column_name]
        dtype = str(column.dtype)
        converted = _coerce(series, dtype, bool(column.nullable))
        if converted is None:
            rows.append((column_name, f"dtype('{dtype}')", str(series.dtype)))
        elif converted is not series:
            changed[column_name] = converted
    if rows:
        return frame, rows
    # Only coerced columns are replaced; the others stay shared with the caller's frame.
    out = frame.assign(**changed) if changed else frame
    for column_name, column in schema.columns.items():
        rows += _check_column(column_name, column, out[column_name], cache, name)
    unique = schema.unique
    if unique:
        keys = [unique] if isinstance(unique, str) else list(unique)
        dupes = _duplicates(out, keys, cache, name)
        if len(dupes):  # itertuples builds a namedtuple class even for no rows
            rows += [
                ("", "multiple_fields_uniqueness", tuple(r))
                for r in dupes.head(20).itertuples(index=False)
            ]
    for check in schema.checks:
        result = check(out)
        if not result.check_passed:
            label = check.error or check.name
            rows.append(("", str(label), f"{int((~result.check_output).sum())} rows"))
    return out, rows


def validate(frames: Frames) -> ValidatedFrames:
    """Validate all seven frames; the result carries the frames with coerced dtypes.

    Raises
    ------
    TypeError
        If a member of ``frames`` is not a DataFrame.
    FramesInvalidError
        Listing, per frame and column, each failed check with a few failing values.
    """
    cache = ValidatedFrames(frames)
    validated: dict[str, pd.DataFrame] = {}
    failures: dict[str, pd.DataFrame] = {}
    for name, model in Frames.SCHEMAS.items():
        frame: Any = getattr(frames, name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"Frames.{name} must be a pandas DataFrame, got {type(frame).__name__}")
        out, rows = _validate_frame(name, model, frame, cache)
        validated[name] = out
        if rows:
            failures[f"{model.__name__} (Frames.{name})"] = _failures(rows)
    if failures:
        raise FramesInvalidError(failures)
    # Factorized columns were computed on the caller's frames; their rows and order are the
    # validated frames' (coercion never reorders), so the codes stay valid.
    cache.frames = Frames(**validated)
    return cache


def validate_frames(frames: Frames) -> Frames:
    """Validate all seven frames and return them with dtypes coerced (see module doc).

    Raises
    ------
    FramesInvalidError
        Listing, per frame and column, each failed check with a few failing values.
    """
    return validate(frames).frames
