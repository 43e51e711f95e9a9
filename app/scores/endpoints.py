"""The borrower's own score."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import CurrentBorrower, SessionDep
from app.kit.errors import error_responses
from app.scores.schemas import ScoreOut
from app.scores.view import score_view

router = APIRouter(tags=["scores"])


@router.get("/api/score", response_model=ScoreOut, responses=error_responses(401))
async def my_score(borrower: CurrentBorrower, session: SessionDep) -> ScoreOut:
    return await score_view(session, borrower.id)
