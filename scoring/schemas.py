"""Pandera contracts of every frame scoring reads or writes, and the :class:`Frames` container.

The app builds the seven input frames from its tables; :func:`scoring.validation.validate_frames`
checks all of them against these models and raises one :class:`FramesInvalidError` listing
every problem. Conventions shared by the input frames:

* every fact frame carries ``borrower_id``, ``connection_id`` and ``platform`` (non-null strings);
* strings may be pandas ``str``/``string`` (Arrow- or Python-backed, see :mod:`scoring.strings`)
  or ``object`` columns;
* datetimes must be timezone-aware; any aware column is converted to ``datetime64[ns, UTC]``,
  a naive one is rejected (it is never guessed to be UTC);
* amounts are float64 in *major* currency units beside an ISO 4217 ``currency`` (150000 IDR is
  Rp150,000; zero-decimal currencies such as IDR, VND and JPY need no scaling); an ``object``
  column of ``Decimal`` is coerced to float64, the one place money becomes float;
* ``observed_at`` is when the app first stored a fact; a score as of a date uses only facts
  observed by then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from scoring.strings import TEXT_DTYPE_NAMES

__all__ = [
    "CURRENCY_PATTERN",
    "MAX_REASONS",
    "ORDER_STATUSES",
    "REASON_SUB_SCORES",
    "ROLES",
    "SUB_SCORES",
    "CommissionFrame",
    "ConnectionFrame",
    "Frames",
    "FramesInvalidError",
    "FxRateFrame",
    "OrderFrame",
    "ReturnFrame",
    "ScoreFrame",
    "SettlementFrame",
    "ShopHealthFrame",
    "empty_frame",
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
SUB_SCORES = ("revenue", "consistency", "reliability", "growth")
#: ``sub_score`` of a reason: one of the four, or ``evidence`` for reasons that explain the
#: confidence or a pending status rather than lost points.
REASON_SUB_SCORES = (*SUB_SCORES, "evidence")
STATUSES = ("scored", "pending")
CONFIDENCES = ("high", "medium", "low")

_UTC_NS = {"unit": "ns", "tz": "UTC"}


def _utc(**kwargs: Any) -> Any:
    """A ``datetime64[ns, UTC]`` field."""
    return pa.Field(dtype_kwargs=_UTC_NS, **kwargs)


def _currency(**kwargs: Any) -> Any:
    return pa.Field(str_matches=CURRENCY_PATTERN, **kwargs)


def _amount(**kwargs: Any) -> Any:
    """A float amount in major units; Decimal/int columns are coerced to float64."""
    return pa.Field(coerce=True, **kwargs)


class _Strict(pa.DataFrameModel):
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


class _BorrowerFrame(_Strict):
    """Columns every borrower frame carries."""

    borrower_id: Series[str]
    connection_id: Series[str]
    platform: Series[str]


class OrderFrame(_BorrowerFrame):
    """One row per order, in its latest stored state; unique per (connection_id, order_id).

    ``paid_at``/``cancelled_at``/``delivered_at`` date the state changes when the platform
    gives them; ``buyer_ref`` is an opaque buyer key (unused by v1).
    """

    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    updated_at: Series[pd.DatetimeTZDtype] = _utc()
    observed_at: Series[pd.DatetimeTZDtype] = _utc()
    status: Series[str] = pa.Field(isin=ORDER_STATUSES)
    currency: Series[str] = _currency()
    total_amount: Series[float] = _amount(ge=0.0)
    is_sample: Series[bool]
    paid_at: Series[pd.DatetimeTZDtype] = _utc(nullable=True)
    cancelled_at: Series[pd.DatetimeTZDtype] = _utc(nullable=True)
    delivered_at: Series[pd.DatetimeTZDtype] = _utc(nullable=True)
    buyer_ref: Series[str] = pa.Field(nullable=True)

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "order_id"]


class ReturnFrame(_BorrowerFrame):
    """One row per return or refund request; ``status``/``return_type`` are the platform's."""

    return_id: Series[str]
    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    updated_at: Series[pd.DatetimeTZDtype] = _utc()
    observed_at: Series[pd.DatetimeTZDtype] = _utc()
    status: Series[str]
    return_type: Series[str]
    currency: Series[str] = _currency()
    refund_amount: Series[float] = _amount(ge=0.0)

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "return_id"]


class CommissionFrame(_BorrowerFrame):
    """One row per affiliate-attributed order.

    ``role`` is the account's side: a seller pays the commission, a creator earns it.
    ``actual_commission`` is null until the platform settles the order.
    """

    order_id: Series[str]
    created_at: Series[pd.DatetimeTZDtype] = _utc()
    observed_at: Series[pd.DatetimeTZDtype] = _utc()
    role: Series[str] = pa.Field(isin=ROLES)
    status: Series[str]
    currency: Series[str] = _currency()
    estimated_commission: Series[float] = _amount(ge=0.0)
    actual_commission: Series[float] = _amount(nullable=True, ge=0.0)
    settled: Series[bool]

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "order_id"]


class SettlementFrame(_BorrowerFrame):
    """One row per finance statement (payout); amounts are signed, fees negative.

    ``revenue_amount`` is the gross the statement settles (before fees), where the platform
    reports it; ``fee_amount`` the fees it deducted.
    """

    statement_id: Series[str]
    statement_time: Series[pd.DatetimeTZDtype] = _utc()
    observed_at: Series[pd.DatetimeTZDtype] = _utc()
    currency: Series[str] = _currency()
    settlement_amount: Series[float] = _amount()
    revenue_amount: Series[float] = _amount(nullable=True)
    fee_amount: Series[float] = _amount(nullable=True)

    class Config:
        unique: ClassVar[list[str]] = ["connection_id", "statement_id"]


class ShopHealthFrame(_BorrowerFrame):
    """Snapshots of a shop's platform health; the latest observed at or before as-of counts.

    Any signal may be null (the platform does not give it). TikTok Shop gives none yet.
    """

    observed_at: Series[pd.DatetimeTZDtype] = _utc()
    rating: Series[float] = _amount(nullable=True, ge=0.0, le=5.0)
    violations: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, coerce=True)
    on_time_delivery_rate: Series[float] = _amount(nullable=True, ge=0.0, le=1.0)


class ConnectionFrame(_BorrowerFrame):
    """One row per connected account; the borrowers listed here are the ones scored.

    ``data_start``/``data_end`` bound the period the stored data covers completely;
    ``sync_complete`` says the full window was pulled; ``visible_days`` is how far back the
    platform lets us see (null = unlimited). ``shop_created_at`` is the platform's date.
    """

    role: Series[str] = pa.Field(isin=ROLES)
    region: Series[str] = pa.Field(nullable=True)
    currency: Series[str] = _currency(nullable=True)
    seller_type: Series[str] = pa.Field(nullable=True)
    shop_created_at: Series[pd.DatetimeTZDtype] = _utc(nullable=True)
    data_start: Series[pd.DatetimeTZDtype] = _utc()
    data_end: Series[pd.DatetimeTZDtype] = _utc()
    sync_complete: Series[bool]
    visible_days: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, coerce=True)

    class Config:
        unique: ClassVar[list[str]] = ["connection_id"]

    @pa.dataframe_check(error="data_start must not be after data_end")
    def _data_window_ordered(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["data_start"] <= df["data_end"]


class FxRateFrame(_Strict):
    """USD per unit of a currency on a UTC calendar day (``date`` at midnight UTC)."""

    currency: Series[str] = _currency()
    date: Series[pd.DatetimeTZDtype] = _utc()
    usd_per_unit: Series[float] = _amount(gt=0.0)

    class Config:
        unique: ClassVar[list[str]] = ["currency", "date"]

    @pa.dataframe_check(error="date must be a UTC midnight")
    def _midnight(cls, df: pd.DataFrame) -> pd.Series[bool]:
        midnight: pd.Series[bool] = df["date"] == df["date"].dt.floor("D")
        return midnight


class ScoreFrame(pa.DataFrameModel):
    """One row per borrower of ``connections``, sorted by ``borrower_id``.

    Scores are points in [0, 100] rounded to 1 decimal, NaN only when ``status`` is pending;
    ``reasons`` is a list (at most 4) of ``{"code", "sub_score", "points_lost", "message"}``.
    ``monthly_revenue_usd`` is USD per 30-day month (negative when refunds exceed sales);
    ``order_count`` counts the window's sales (paid, not cancelled, not samples).
    """

    borrower_id: Series[str] = pa.Field(unique=True)
    status: Series[str] = pa.Field(isin=STATUSES)
    composite: Series[float] = pa.Field(ge=0.0, le=100.0, nullable=True)
    revenue: Series[float] = pa.Field(ge=0.0, le=100.0, nullable=True)
    consistency: Series[float] = pa.Field(ge=0.0, le=100.0, nullable=True)
    reliability: Series[float] = pa.Field(ge=0.0, le=100.0, nullable=True)
    growth: Series[float] = pa.Field(ge=0.0, le=100.0, nullable=True)
    tier: Series[str] = pa.Field(nullable=True)
    confidence: Series[str] = pa.Field(isin=CONFIDENCES, nullable=True)
    reasons: Series[object]
    monthly_revenue_usd: Series[float] = pa.Field(nullable=True)
    order_count: Series[int] = pa.Field(ge=0)
    model_version: Series[str]
    as_of: Series[pd.DatetimeTZDtype] = _utc()
    window_start: Series[pd.DatetimeTZDtype] = _utc()
    window_end: Series[pd.DatetimeTZDtype] = _utc()

    class Config:
        strict = True
        ordered = True

    @pa.check("reasons", error="reasons must be a list of reason dicts")
    def _reasons_shape(cls, reasons: pd.Series) -> pd.Series[bool]:
        # Over the column in one comprehension: pandera's element-wise checks wrap every
        # call, which cost more than the check itself on 100,000 rows.
        shaped = [_is_reason_list(value) for value in reasons.tolist()]
        return pd.Series(shaped, index=reasons.index, dtype=bool)

    @pa.dataframe_check(error="scores, tier and confidence are null exactly when pending")
    def _null_iff_pending(cls, df: pd.DataFrame) -> pd.Series[bool]:
        pending = df["status"] == "pending"
        cols = ["composite", "revenue", "consistency", "reliability", "growth", "tier"]
        nulls = df[[*cols, "confidence"]].isna()
        return nulls.all(axis=1).where(pending, ~nulls.any(axis=1))


_REASON_KEYS = frozenset({"code", "sub_score", "points_lost", "message"})


def _is_reason_list(value: object) -> bool:
    """A list of at most MAX_REASONS reason dicts with exactly the contract's keys."""
    if not isinstance(value, list) or len(value) > MAX_REASONS:
        return False
    # A plain loop: called once per scored borrower, where a generator in all() costs double.
    for item in value:
        if not (
            isinstance(item, dict)
            and item.keys() == _REASON_KEYS
            and isinstance(item["code"], str)
            and item["sub_score"] in REASON_SUB_SCORES
            and isinstance(item["points_lost"], float)
            and isinstance(item["message"], str)
        ):
            return False
    return True


class FramesInvalidError(ValueError):
    """One or more input frames break their contract; the message lists every failure.

    ``failures`` maps ``"<Model> (Frames.<name>)"`` to a frame of ``column``, ``check`` and
    ``failure_case`` rows.
    """

    _HINTS: ClassVar[Mapping[str, str]] = {
        "dtype('datetime64[ns, UTC]')": " (datetimes must be timezone-aware)",
    }

    def __init__(self, failures: Mapping[str, pd.DataFrame]) -> None:
        self.failures = dict(failures)
        lines = ["input frames failed validation:"]
        for frame, cases in self.failures.items():
            grouped = cases.groupby(["column", "check"], dropna=False, sort=True)
            for (column, check), group in grouped:
                sample = [str(v) for v in group["failure_case"].head(5)]
                where = f"column {column!r}" if isinstance(column, str) and column else "frame"
                hint = self._HINTS.get(str(check), "")
                lines.append(
                    f"  {frame}: {where} failed {check} ({len(group)} rows), e.g. {sample}{hint}"
                )
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[FramesInvalidError], tuple[dict[str, pd.DataFrame]]]:
        # Rebuilt from the failures, not the message: a Dask worker process raises this and
        # the client unpickles it (the default would pass the message as ``failures``).
        return type(self), (self.failures,)


@dataclass(frozen=True, slots=True)
class Frames:
    """The seven input frames of one scoring run (see each schema for its columns).

    ``fx_rates`` may be empty: :mod:`scoring.fx` then supplies ECB rates (and the fallback
    table); rates given here take precedence for their (currency, date).
    """

    orders: pd.DataFrame
    returns: pd.DataFrame
    commissions: pd.DataFrame
    settlements: pd.DataFrame
    shop_health: pd.DataFrame
    connections: pd.DataFrame
    fx_rates: pd.DataFrame

    SCHEMAS: ClassVar[Mapping[str, type[pa.DataFrameModel]]] = {
        "orders": OrderFrame,
        "returns": ReturnFrame,
        "commissions": CommissionFrame,
        "settlements": SettlementFrame,
        "shop_health": ShopHealthFrame,
        "connections": ConnectionFrame,
        "fx_rates": FxRateFrame,
    }

    @classmethod
    def empty(cls) -> Frames:
        """Frames with every column and dtype but no rows."""
        return cls(**{name: empty_frame(model) for name, model in cls.SCHEMAS.items()})

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
    # pandas' default string dtype, whichever storage pandera named (see scoring.strings)
    return "str" if text in TEXT_DTYPE_NAMES else text
