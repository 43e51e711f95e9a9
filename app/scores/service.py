"""Scoring borrowers from stored facts and keeping every score in the history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import BusinessConnection, Score
from app.models.base import utcnow
from app.scores.frames import load_frames
from scoring import score_frames


async def score_borrowers(
    session: AsyncSession,
    borrower_ids: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> list[Score]:
    """Score the borrowers that have completed data and append the scores to the history."""
    frames = await load_frames(session, borrower_ids)
    if frames.connections.empty:
        return []
    when = as_of or utcnow()
    result = score_frames(frames, pd.Timestamp(when))
    freshness = dict(
        (
            await session.execute(
                select(BusinessConnection.borrower_id, func.min(BusinessConnection.last_synced_at))
                .where(BusinessConnection.id.in_(frames.connections["connection_id"].tolist()))
                .group_by(BusinessConnection.borrower_id)
            )
        ).all()
    )
    connection_ids = frames.connections.groupby("borrower_id")["connection_id"].apply(sorted)
    scores = [
        Score(
            borrower_id=row["borrower_id"],
            model_version=row["model_version"],
            as_of=row["as_of"].to_pydatetime(),
            window_start=row["window_start"].to_pydatetime(),
            window_end=row["window_end"].to_pydatetime(),
            data_as_of=freshness.get(row["borrower_id"]),
            composite=float(row["composite"]),
            revenue=float(row["revenue"]),
            consistency=float(row["consistency"]),
            reliability=float(row["reliability"]),
            growth=float(row["growth"]),
            monthly_revenue_usd=float(row["monthly_revenue_usd"]),
            order_count=int(row["order_count"]),
            reasons=list(row["reasons"]),
            connection_ids=list(connection_ids[row["borrower_id"]]),
        )
        for row in result.to_dict(orient="records")
    ]
    session.add_all(scores)
    await session.flush()
    return scores


async def latest_score(session: AsyncSession, borrower_id: str) -> Score | None:
    return await session.scalar(
        select(Score)
        .where(Score.borrower_id == borrower_id)
        .order_by(Score.computed_at.desc(), Score.as_of.desc())
        .limit(1)
    )
