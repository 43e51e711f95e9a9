"""A connection's metrics snapshot: what the stored data says, summed per currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AffiliateCommission, Order, Return, Settlement


def _money(values: list[tuple[str, Decimal | None]]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for currency, amount in values:
        totals[currency] = totals.get(currency, Decimal(0)) + (amount or Decimal(0))
    return {currency: format(total, "f") for currency, total in sorted(totals.items())}


async def snapshot(
    session: AsyncSession, connection_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """Counts and sums (decimal strings per currency) of the connection's data in [start, end).

    Sums are taken in Python over Decimals: SQLite stores money as text, and summing text in
    SQL would go through floating point.
    """
    in_window = (
        Order.connection_id == connection_id,
        Order.created_at >= start,
        Order.created_at < end,
    )
    statuses = dict(
        (
            await session.execute(
                select(Order.status, func.count()).where(*in_window).group_by(Order.status)
            )
        ).all()
    )
    order_amounts = (
        await session.execute(
            select(Order.currency, Order.total_amount).where(
                *in_window, Order.status != "cancelled"
            )
        )
    ).all()
    returns = (
        await session.execute(
            select(Return.currency, Return.refund_amount).where(
                Return.connection_id == connection_id,
                Return.created_at >= start,
                Return.created_at < end,
            )
        )
    ).all()
    settlements = (
        await session.execute(
            select(Settlement.currency, Settlement.settlement_amount).where(
                Settlement.connection_id == connection_id,
                Settlement.statement_time >= start,
                Settlement.statement_time < end,
            )
        )
    ).all()
    commissions = (
        await session.execute(
            select(
                AffiliateCommission.role,
                AffiliateCommission.currency,
                AffiliateCommission.actual_commission,
                AffiliateCommission.estimated_commission,
            ).where(
                AffiliateCommission.connection_id == connection_id,
                AffiliateCommission.created_at >= start,
                AffiliateCommission.created_at < end,
            )
        )
    ).all()
    return {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "orders": sum(statuses.values()),
        "orders_by_status": dict(sorted(statuses.items())),
        "order_value": _money([(c, a) for c, a in order_amounts]),
        "returns": len(returns),
        "refunded": _money([(c, a) for c, a in returns]),
        "statements": len(settlements),
        "settled": _money([(c, a) for c, a in settlements]),
        "affiliate_orders": len(commissions),
        "commission_estimated": _money([(c, est) for _, c, _, est in commissions]),
        "commission_actual": _money([(c, act) for _, c, act, _ in commissions]),
    }
