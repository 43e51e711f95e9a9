"""The borrower's own score."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import CurrentBorrower, SessionDep
from app.kit.errors import error_responses
from app.models import BusinessConnection
from app.scores.schemas import ScoreOut
from app.scores.service import latest_score

router = APIRouter(tags=["scores"])


async def score_view(session: AsyncSession, borrower_id: str) -> ScoreOut:
    connections = list(
        await session.scalars(
            select(BusinessConnection)
            .where(BusinessConnection.borrower_id == borrower_id)
            .order_by(BusinessConnection.created_at)
        )
    )
    return ScoreOut.build(borrower_id, await latest_score(session, borrower_id), connections)


@router.get("/api/score", response_model=ScoreOut, responses=error_responses(401))
async def my_score(borrower: CurrentBorrower, session: SessionDep) -> ScoreOut:
    return await score_view(session, borrower.id)
