"""Access grants: which lender may read which borrower, now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LenderGrant
from app.models.base import utcnow


def _active(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        LenderGrant.revoked_at.is_(None),
        or_(LenderGrant.expires_at.is_(None), LenderGrant.expires_at > now),
    )


async def has_access(session: AsyncSession, lender_id: str, borrower_id: str) -> bool:
    grant = await session.scalar(
        select(LenderGrant.id)
        .where(
            LenderGrant.lender_id == lender_id,
            LenderGrant.borrower_id == borrower_id,
            *_active(utcnow()),
        )
        .limit(1)
    )
    return grant is not None


async def grant(
    session: AsyncSession, borrower_id: str, lender_id: str, expires_at: datetime | None = None
) -> LenderGrant:
    existing = await session.scalar(
        select(LenderGrant).where(
            LenderGrant.lender_id == lender_id,
            LenderGrant.borrower_id == borrower_id,
            *_active(utcnow()),
        )
    )
    if existing is not None:
        existing.expires_at = expires_at
        return existing
    row = LenderGrant(borrower_id=borrower_id, lender_id=lender_id, expires_at=expires_at)
    session.add(row)
    await session.flush()
    return row


async def revoke(session: AsyncSession, borrower_id: str, grant_id: str) -> bool:
    row = await session.get(LenderGrant, grant_id)
    if row is None or row.borrower_id != borrower_id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
