"""Builders of scoring input frames for tests: one dict per fact, one call per Frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from scoring.schemas import Frames, empty_frame

AS_OF = pd.Timestamp("2026-01-01T00:00:00Z")
PLATFORM = "tiktok_shop"


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
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "role": role,
        "region": region,
        "currency": currency,
        "shop_created_at": pd.Timestamp("2024-01-01T00:00:00Z"),
        "data_start": at(90),
        "data_end": AS_OF,
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
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "order_id": order_id,
        "created_at": at(days_ago),
        "status": status,
        "currency": currency,
        "total_amount": float(total),
        "is_sample": is_sample,
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
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "return_id": return_id,
        "order_id": order_id,
        "created_at": at(days_ago),
        "status": status,
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
) -> dict[str, Any]:
    settled = actual is not None
    return {
        "borrower_id": borrower_id,
        "connection_id": connection_id or f"{borrower_id}-conn",
        "platform": PLATFORM,
        "order_id": order_id,
        "created_at": at(days_ago),
        "role": role,
        "status": status or ("SETTLED" if settled else "ORDERED"),
        "currency": currency,
        "estimated_commission": float(estimated),
        "actual_commission": float("nan") if actual is None else float(actual),
        "settled": settled,
    }


def settlement(
    borrower_id: str, statement_id: str, days_ago: float, amount: float
) -> dict[str, Any]:
    return {
        "borrower_id": borrower_id,
        "connection_id": f"{borrower_id}-conn",
        "platform": PLATFORM,
        "statement_id": statement_id,
        "statement_time": at(days_ago),
        "currency": "USD",
        "settlement_amount": float(amount),
    }


def _frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    empty = empty_frame(Frames.SCHEMAS[name])
    records = list(rows)
    if not records:
        return empty
    frame = pd.DataFrame.from_records(records, columns=list(empty.columns))
    return frame.astype(empty.dtypes.to_dict())


def make_frames(
    connections: Iterable[Mapping[str, Any]] = (),
    orders: Iterable[Mapping[str, Any]] = (),
    returns: Iterable[Mapping[str, Any]] = (),
    commissions: Iterable[Mapping[str, Any]] = (),
    settlements: Iterable[Mapping[str, Any]] = (),
) -> Frames:
    """Frames with the schemas' dtypes built from row dicts."""
    return Frames(
        orders=_frame("orders", orders),
        returns=_frame("returns", returns),
        commissions=_frame("commissions", commissions),
        settlements=_frame("settlements", settlements),
        connections=_frame("connections", connections),
    )


def weekly_orders(
    borrower_id: str, amounts: Iterable[float], *, prefix: str = "w", currency: str = "USD"
) -> list[dict[str, Any]]:
    """One completed order per week, oldest first, the last one 3 days before ``AS_OF``.

    ``amounts`` lists the weekly totals from the window's first week to its last.
    """
    totals = list(amounts)
    n = len(totals)
    return [
        order(borrower_id, f"{prefix}{i}", 3 + 7 * (n - 1 - i), total, currency=currency)
        for i, total in enumerate(totals)
    ]
