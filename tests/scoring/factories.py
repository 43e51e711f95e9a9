"""Builders of scoring input frames for tests: one dict per fact, one call per Frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from scoring.schemas import Frames, empty_frame

AS_OF = pd.Timestamp("2026-01-01T00:00:00Z")
PLATFORM = "tiktok_shop"
NAT = pd.NaT


def at(days_before_as_of: float, as_of: pd.Timestamp = AS_OF) -> pd.Timestamp:
    """The instant ``days_before_as_of`` days before ``as_of`` (negative: after it)."""
    return as_of - pd.Timedelta(days=days_before_as_of)


def connection(
    borrower_id: str,
    connection_id: str | None = None,
    *,
    role: str = "seller",
    region: str | None = "US",
    currency: str | None = "USD",
    seller_type: str | None = None,
    shop_age_days: float | None = 800.0,
    data_days: float = 90.0,
    data_end_days_ago: float = 0.0,
    sync_complete: bool = True,
    visible_days: int | None = None,
    platform: str = PLATFORM,
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": platform,
        "role": role,
        "region": region,
        "currency": currency,
        "seller_type": seller_type,
        "shop_created_at": NAT if shop_age_days is None else at(shop_age_days),
        "data_start": at(data_days),
        "data_end": at(data_end_days_ago),
        "sync_complete": sync_complete,
        "visible_days": visible_days,
    }


def order(
    borrower_id: str,
    order_id: str,
    days_ago: float,
    total: float = 100.0,
    *,
    status: str = "completed",
    currency: str = "USD",
    is_sample: bool = False,
    connection_id: str | None = None,
    observed_days_ago: float | None = None,
    updated_days_ago: float | None = None,
    paid: bool | None = None,
    cancelled_days_ago: float | None = None,
) -> dict[str, Any]:
    created = at(days_ago)
    paid_at = created if (paid if paid is not None else status != "unpaid") else NAT
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "order_id": order_id,
        "created_at": created,
        "updated_at": at(days_ago if updated_days_ago is None else updated_days_ago),
        "observed_at": at(days_ago if observed_days_ago is None else observed_days_ago),
        "status": status,
        "currency": currency,
        "total_amount": float(total),
        "is_sample": is_sample,
        "paid_at": paid_at,
        "cancelled_at": (
            at(days_ago if cancelled_days_ago is None else cancelled_days_ago)
            if status == "cancelled"
            else NAT
        ),
        "delivered_at": NAT,
        "buyer_ref": None,
    }


def refund(
    borrower_id: str,
    return_id: str,
    days_ago: float,
    amount: float = 100.0,
    *,
    order_id: str = "o-returned",
    status: str = "RETURN_OR_REFUND_REQUEST_COMPLETE",
    currency: str = "USD",
    connection_id: str | None = None,
    updated_days_ago: float | None = None,
    observed_days_ago: float | None = None,
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "return_id": return_id,
        "order_id": order_id,
        "created_at": at(days_ago),
        "updated_at": at(days_ago if updated_days_ago is None else updated_days_ago),
        "observed_at": at(days_ago if observed_days_ago is None else observed_days_ago),
        "status": status,
        "return_type": "RETURN_AND_REFUND",
        "currency": currency,
        "refund_amount": float(amount),
    }


def commission(
    borrower_id: str,
    order_id: str,
    days_ago: float,
    estimated: float,
    actual: float | None = None,
    *,
    role: str = "creator",
    status: str | None = None,
    currency: str = "USD",
    connection_id: str | None = None,
    observed_days_ago: float | None = None,
) -> dict[str, Any]:
    settled = actual is not None
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "order_id": order_id,
        "created_at": at(days_ago),
        "observed_at": at(days_ago if observed_days_ago is None else observed_days_ago),
        "role": role,
        "status": status or ("SETTLED" if settled else "ORDERED"),
        "currency": currency,
        "estimated_commission": float(estimated),
        "actual_commission": float("nan") if actual is None else float(actual),
        "settled": settled,
    }


def settlement(
    borrower_id: str,
    statement_id: str,
    days_ago: float,
    amount: float,
    *,
    revenue: float | None = None,
    fee: float | None = None,
    currency: str = "USD",
    connection_id: str | None = None,
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "statement_id": statement_id,
        "statement_time": at(days_ago),
        "observed_at": at(days_ago),
        "currency": currency,
        "settlement_amount": float(amount),
        "revenue_amount": float("nan") if revenue is None else float(revenue),
        "fee_amount": float("nan") if fee is None else float(fee),
    }


def health(
    borrower_id: str,
    days_ago: float = 1.0,
    *,
    rating: float | None = None,
    violations: int | None = None,
    on_time: float | None = None,
    connection_id: str | None = None,
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "observed_at": at(days_ago),
        "rating": float("nan") if rating is None else rating,
        "violations": violations,
        "on_time_delivery_rate": float("nan") if on_time is None else on_time,
    }


def _frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    empty = empty_frame(Frames.SCHEMAS[name])
    records = list(rows)
    if not records:
        return empty
    frame = pd.DataFrame.from_records(records, columns=list(empty.columns))
    for column, dtype in empty.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.as_unit("ns")
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def make_frames(
    connections: Iterable[Mapping[str, Any]] = (),
    orders: Iterable[Mapping[str, Any]] = (),
    returns: Iterable[Mapping[str, Any]] = (),
    commissions: Iterable[Mapping[str, Any]] = (),
    settlements: Iterable[Mapping[str, Any]] = (),
    shop_health: Iterable[Mapping[str, Any]] = (),
    fx_rates: pd.DataFrame | None = None,
) -> Frames:
    """Frames with the schemas' dtypes built from row dicts."""
    return Frames(
        orders=_frame("orders", orders),
        returns=_frame("returns", returns),
        commissions=_frame("commissions", commissions),
        settlements=_frame("settlements", settlements),
        shop_health=_frame("shop_health", shop_health),
        connections=_frame("connections", connections),
        fx_rates=empty_frame(Frames.SCHEMAS["fx_rates"]) if fx_rates is None else fx_rates,
    )


def weekly_orders(
    borrower_id: str,
    amounts: Iterable[float],
    *,
    per_week: int = 1,
    prefix: str = "w",
    currency: str = "USD",
) -> list[dict[str, Any]]:
    """``per_week`` completed orders per week, oldest week first, the newest 1 day before AS_OF.

    ``amounts`` lists the weekly totals from the oldest of the 13 weeks to the newest (split
    evenly over the week's orders).
    """
    totals = list(amounts)
    n = len(totals)
    return [
        order(
            borrower_id,
            f"{prefix}{i}-{k}",
            1 + 7 * (n - 1 - i) + k * (5.0 / per_week),
            total / per_week,
            currency=currency,
        )
        for i, total in enumerate(totals)
        for k in range(per_week)
    ]
