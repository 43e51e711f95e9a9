"""Borrower identities: find or create the borrower behind a proven subject."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Borrower


async def get_or_create(session: AsyncSession, subject: str, display_name: str = "") -> Borrower:
    borrower = await session.scalar(select(Borrower).where(Borrower.subject == subject))
    if borrower is None:
        borrower = Borrower(subject=subject, display_name=display_name or subject)
        session.add(borrower)
        await session.flush()
    return borrower
