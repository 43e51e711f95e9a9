"""Pandera contracts of every frame scoring reads or writes, and the :class:`Frames` container.

The app builds the five input frames from its tables (one row per canonical record of
``connectors.core.records``); :func:`validate_frames` checks all of them lazily and raises one
:class:`FramesInvalidError` listing every problem. Conventions shared by all input frames:

* every frame carries ``borrower_id``, ``connection_id`` and ``platform`` (non-null strings);
* strings may be pandas ``str``/``string`` or ``object`` columns;
* datetimes must be timezone-aware; any aware column is converted to ``datetime64[ns, UTC]``
  before checking, a naive one is rejected (it is never guessed to be UTC);
* amounts are floats in major currency units with an ISO 4217 ``currency`` beside them; an
  ``object`` column of ``Decimal`` is accepted and coerced to float64 (the one place money
  becomes float).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pandera.typing import Series

__all__ = [
    "CURRENCY_PATTERN",
    "MAX_REASONS",
    "ORDER_STATUSES",
    "ROLES",
    "CommissionFrame",
    "ConnectionFrame",
    "Frames",
    "FramesInvalidError",
    "IncomeEventFrame",
    "OrderFrame",
    "ReturnFrame",
    "ScoreFrame",
    "SettlementFrame",
    "validate_frames",
]

ORDER_STATUSES = (
    "unpaid",
    "on_hold",
    "awaiting_fulfillment",
    "in_transit",
    "delivered",
    "completed",
    "cancelled",
)
ROLES = ("seller", "creator")
CURRENCY_PATTERN = r"^[A-Z]{3}$"
MAX_REASONS = 4
REASON_KEYS = frozenset({"code", "sub_score", "message"})
SUB_SCORES = ("revenue", "consistency", "reliability", "growth")

_UTC_NS = {"unit": "ns", "tz": "UTC"}


def _utc(**kwargs: Any) -> Any:
    """A ``datetime64[ns, UTC]`` field."""
    return pa.Field(dtype_kwargs=_UTC_NS, **kwargs)


def _currency(**kwargs: Any) -> Any:
    return pa.Field(str_matches=CURRENCY_PATTERN, **kwargs)


def _amount(**kwargs: Any) -> Any:
    """A float amount in major units; Decimal/int columns are coerced to float64."""
    return pa.Field(coerce=True, **kwargs)


class _BorrowerFrame(pa.DataFrameModel):
    """Columns every input frame carries."""

    borrower_id: Series[str]
    connection_id: Series[str]
    platform: Series[str]

    class Config:
        strict = True

    @pa.dataframe_parser
    @classmethod
    def _datetimes_to_utc_ns(cls, df: pd.DataFrame) -> pd.DataFrame:
        """Convert aware datetime columns to ns UTC; naive ones are left to fail the dtype check."""
        aware = [c for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)]
        if not aware:
            return df
        out = df.copy()
        for column in aware:
            out[column] = out[column].dt.tz_convert("UTC").dt.as_unit("ns")
        return out


class OrderFrame(_BorrowerFrame):
    """One row per order (``OrderRecord``); unique per (connection_id, order_id)."""

    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    status: Series[str] = pa.Field(isin=ORDER_STATUSES)
    currency: Series[str] = _currency()
    total_amount: Series[float] = _amount(ge=0.0)
    is_sample: Series[bool]

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "order_id"]


class ReturnFrame(_BorrowerFrame):
    """One row per return or refund request (``ReturnRecord``); ``status`` is the platform's."""

    return_id: Series[str]
    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    status: Series[str]
    currency: Series[str] = _currency()
    refund_amount: Series[float] = _amount(ge=0.0)

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "return_id"]


class CommissionFrame(_BorrowerFrame):
    """One row per affiliate-attributed order (``AffiliateCommissionRecord``).

    ``role`` is the account's side: a seller pays the commission, a creator earns it.
    ``actual_commission`` is null until the platform settles the order.
    """

    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    role: Series[str] = pa.Field(isin=ROLES)
    status: Series[str]
    currency: Series[str] = _currency()
    estimated_commission: Series[float] = _amount()
    actual_commission: Series[float] = _amount(nullable=True)
    settled: Series[bool]

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "order_id"]


class SettlementFrame(_BorrowerFrame):
    """One row per finance statement (``SettlementRecord``); amounts are signed. Unused by v0."""

    statement_id: Series[str]
    statement_time: Series[pd.DatetimeTZDtype] = _utc()
    currency: Series[str] = _currency()
    settlement_amount: Series[float] = _amount()

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "statement_id"]


class ConnectionFrame(_BorrowerFrame):
    """One row per connected account; the borrowers listed here are the ones scored.

    ``data_start``/``data_end`` bound the period the connection's data covers.
    """

    role: Series[str] = pa.Field(isin=ROLES)
    region: Series[str] = pa.Field(nullable=True)
    currency: Series[str] = _currency(nullable=True)
    shop_created_at: Series[pd.DatetimeTZDtype] = _utc(nullable=True)
    data_start: Series[pd.DatetimeTZDtype] = _utc()
    data_end: Series[pd.DatetimeTZDtype] = _utc()

    class Config:
        unique: ClassVar[list[str]] = ["connection_id"]

    @pa.dataframe_check(error="data_start must not be after data_end")
    def _data_window_ordered(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["data_start"] <= df["data_end"]


class IncomeEventFrame(pa.DataFrameModel):
    """Signed USD money events of a window, one per order, refund or creator commission.

    Built by :func:`scoring.features.revenue.income_events_usd`; ``kind`` is ``order``,
    ``refund`` (negative amount) or ``commission``.
    """

    borrower_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    kind: Series[str] = pa.Field(isin=("order", "refund", "commission"))
    amount_usd: Series[float]

    class Config:
        strict = True


def _is_reason_list(value: object) -> bool:
    if not isinstance(value, list) or len(value) > MAX_REASONS:
        return False
    return all(
        isinstance(item, dict)
        and set(item) == REASON_KEYS
        and isinstance(item["code"], str)
        and item["sub_score"] in SUB_SCORES
        and isinstance(item["message"], str)
        for item in value
    )


class ScoreFrame(pa.DataFrameModel):
    """One row per scored borrower.

    Sub-scores and ``composite`` are points in [0, 100] rounded to 1 decimal; ``reasons`` is a
    list (at most 4) of ``{"code", "sub_score", "message"}`` dicts, largest points lost first.
    ``monthly_revenue_usd`` is USD per 30-day month (may be negative when refunds exceed sales);
    ``order_count`` counts the paid, non-cancelled, non-sample orders of the window.
    """

    borrower_id: Series[str] = pa.Field(unique=True)
    composite: Series[float] = pa.Field(ge=0.0, le=100.0)
    revenue: Series[float] = pa.Field(ge=0.0, le=100.0)
    consistency: Series[float] = pa.Field(ge=0.0, le=100.0)
    reliability: Series[float] = pa.Field(ge=0.0, le=100.0)
    growth: Series[float] = pa.Field(ge=0.0, le=100.0)
    monthly_revenue_usd: Series[float]
    order_count: Series[int] = pa.Field(ge=0)
    reasons: Series[object]
    model_version: Series[str]
    as_of: Series[pd.DatetimeTZDtype] = _utc()
    window_start: Series[pd.DatetimeTZDtype] = _utc()
    window_end: Series[pd.DatetimeTZDtype] = _utc()

    class Config:
        strict = True
        ordered = True

    @pa.check("reasons", element_wise=True, error="reasons must be a list of reason dicts")
    def _reasons_shape(cls, value: object) -> bool:
        return _is_reason_list(value)


_HINTS = {
    "dtype('datetime64[ns, UTC]')": " (datetimes must be timezone-aware)",
}


class FramesInvalidError(ValueError):
    """One or more input frames break their contract; the message lists every failure."""

    def __init__(self, failures: Mapping[str, pd.DataFrame]) -> None:
        self.failures = dict(failures)
        lines = ["input frames failed validation:"]
        for frame, cases in self.failures.items():
            grouped = cases.groupby(["column", "check"], dropna=False, sort=True)
            for (column, check), group in grouped:
                sample = [str(v) for v in group["failure_case"].head(5)]
                where = f"column {column!r}" if isinstance(column, str) else "frame"
                hint = _HINTS.get(str(check), "")
                lines.append(
                    f"  {frame}: {where} failed {check} ({len(group)} rows), e.g. {sample}{hint}"
                )
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Frames:
    """The five input frames of one scoring run (see each schema for its columns)."""

    orders: pd.DataFrame
    returns: pd.DataFrame
    commissions: pd.DataFrame
    settlements: pd.DataFrame
    connections: pd.DataFrame

    SCHEMAS: ClassVar[Mapping[str, type[pa.DataFrameModel]]] = {
        "orders": OrderFrame,
        "returns": ReturnFrame,
        "commissions": CommissionFrame,
        "settlements": SettlementFrame,
        "connections": ConnectionFrame,
    }

    @classmethod
    def empty(cls) -> Frames:
        """Frames with every column and dtype but no rows."""
        made = {name: empty_frame(model) for name, model in cls.SCHEMAS.items()}
        return cls(**made)

    def replace(self, **changes: pd.DataFrame) -> Frames:
        """A copy with some frames swapped."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        return Frames(**{**current, **changes})


def empty_frame(model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """An empty frame with the columns and dtypes of ``model``."""
    columns = model.to_schema().columns
    return pd.DataFrame(
        {name: pd.Series([], dtype=_dtype_of(col.dtype)) for name, col in columns.items()}
    )


def _dtype_of(dtype: Any) -> Any:
    text = str(dtype)
    return "str" if text in {"str", "string", "string[python]"} else text


def validate_frames(frames: Frames) -> Frames:
    """Validate all five frames lazily and return them with datetimes normalised to ns UTC.

    Raises
    ------
    FramesInvalidError
        Listing, per frame and column, each failed check with a few failing values.
    """
    validated: dict[str, pd.DataFrame] = {}
    failures: dict[str, pd.DataFrame] = {}
    for name, model in Frames.SCHEMAS.items():
        frame = getattr(frames, name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"Frames.{name} must be a pandas DataFrame, got {type(frame).__name__}")
        try:
            validated[name] = _validate(model, frame)
        except SchemaErrors as exc:
            failures[f"{model.__name__} (Frames.{name})"] = exc.failure_cases
    if failures:
        raise FramesInvalidError(failures)
    return Frames(**validated)


def _validate(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    validate: Callable[..., pd.DataFrame] = model.validate
    return validate(frame, lazy=True)
