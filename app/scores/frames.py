"""The database's facts as the canonical frames `scoring` reads (also the analysts' entry point).

A connection counts once a full pull has completed (its data window is set) and while it is
not revoked; borrowers without such a connection are not scored yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AffiliateCommission,
    BusinessConnection,
    ConnectionStatus,
    Order,
    Return,
    Settlement,
)
from scoring import Frames

_IDS = ("borrower_id", "connection_id", "platform")


def _frame(
    rows: Sequence[Any],
    columns: Sequence[str],
    amounts: Sequence[str] = (),
    times: Sequence[str] = (),
    flags: Sequence[str] = (),
) -> pd.DataFrame:
    """Rows → a frame; Decimal amounts become float64 here and only here."""
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(columns))
    for column in amounts:
        frame[column] = pd.array(
            [None if v is None else float(v) for v in frame[column]], dtype="Float64"
        ).astype("float64")
    for column in times:
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.as_unit("ns")
    for column in flags:
        frame[column] = frame[column].astype(bool)
    for column in set(columns) - set(amounts) - set(times) - set(flags):
        frame[column] = frame[column].astype("str")  # None stays missing
    return frame


async def load_frames(session: AsyncSession, borrower_ids: Sequence[str] | None = None) -> Frames:
    """Canonical frames for ``borrower_ids`` (all borrowers when None)."""
    scored = select(BusinessConnection.id).where(
        BusinessConnection.data_window_start.is_not(None),
        BusinessConnection.status != ConnectionStatus.REVOKED.value,
    )
    if borrower_ids is not None:
        scored = scored.where(BusinessConnection.borrower_id.in_(list(borrower_ids)))

    async def fetch(statement: Select[Any]) -> Sequence[Any]:
        return (await session.execute(statement)).all()

    connections = await fetch(
        select(
            BusinessConnection.borrower_id,
            BusinessConnection.id,
            BusinessConnection.platform,
            BusinessConnection.role,
            BusinessConnection.region,
            BusinessConnection.currency,
            BusinessConnection.shop_created_at,
            BusinessConnection.data_window_start,
            BusinessConnection.data_window_end,
        ).where(BusinessConnection.id.in_(scored))
    )
    orders = await fetch(
        select(
            Order.borrower_id,
            Order.connection_id,
            Order.platform,
            Order.external_id,
            Order.created_at,
            Order.status,
            Order.currency,
            Order.total_amount,
            Order.is_sample,
        ).where(Order.connection_id.in_(scored))
    )
    returns = await fetch(
        select(
            Return.borrower_id,
            Return.connection_id,
            Return.platform,
            Return.external_id,
            Return.order_external_id,
            Return.created_at,
            Return.status,
            Return.currency,
            Return.refund_amount,
        ).where(Return.connection_id.in_(scored))
    )
    commissions = await fetch(
        select(
            AffiliateCommission.borrower_id,
            AffiliateCommission.connection_id,
            AffiliateCommission.platform,
            AffiliateCommission.external_id,
            AffiliateCommission.created_at,
            AffiliateCommission.role,
            AffiliateCommission.status,
            AffiliateCommission.currency,
            AffiliateCommission.estimated_commission,
            AffiliateCommission.actual_commission,
            AffiliateCommission.settled,
        ).where(AffiliateCommission.connection_id.in_(scored))
    )
    settlements = await fetch(
        select(
            Settlement.borrower_id,
            Settlement.connection_id,
            Settlement.platform,
            Settlement.external_id,
            Settlement.statement_time,
            Settlement.currency,
            Settlement.settlement_amount,
        ).where(Settlement.connection_id.in_(scored))
    )
    return Frames(
        orders=_frame(
            orders,
            [*_IDS, "order_id", "created_at", "status", "currency", "total_amount", "is_sample"],
            ["total_amount"],
            ["created_at"],
            ["is_sample"],
        ),
        returns=_frame(
            returns,
            [*_IDS, "return_id", "order_id", "created_at", "status", "currency", "refund_amount"],
            ["refund_amount"],
            ["created_at"],
        ),
        commissions=_frame(
            commissions,
            [
                *_IDS,
                "order_id",
                "created_at",
                "role",
                "status",
                "currency",
                "estimated_commission",
                "actual_commission",
                "settled",
            ],
            ["estimated_commission", "actual_commission"],
            ["created_at"],
            ["settled"],
        ),
        settlements=_frame(
            settlements,
            [*_IDS, "statement_id", "statement_time", "currency", "settlement_amount"],
            ["settlement_amount"],
            ["statement_time"],
        ),
        connections=_frame(
            connections,
            [*_IDS, "role", "region", "currency", "shop_created_at", "data_start", "data_end"],
            times=["shop_created_at", "data_start", "data_end"],
        ),
    )
