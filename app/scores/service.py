"""Scoring borrowers from stored facts and keeping every score in the history."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.lender_webhooks import outbox as lender_webhooks
from app.models import BusinessConnection, Score
from app.models.base import utcnow
from app.scores.frames import load_frames
from scoring import DEFAULT_PARAMS, MODEL_VERSION, score_frames


async def score_borrowers(
    session: AsyncSession,
    borrower_ids: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> list[Score]:
    """Score the borrowers as of ``as_of`` (now) and append the scores to the history; a borrower
    asked for without a connection then gets a pending score. Returns the new scores."""
    frames = await load_frames(session, borrower_ids, as_of=as_of)
    when = as_of or utcnow()
    # A borrower asked for but without any connection (all disconnected) gets a pending row,
    # so an earlier score never outlives the data it was computed from.
    unconnected = [
        _without_connections(borrower_id, when)
        for borrower_id in sorted(set(borrower_ids or ()) - set(frames.connections["borrower_id"]))
    ]
    session.add_all(unconnected)
    if frames.connections.empty:
        await session.flush()
        await lender_webhooks.score_updated(session, unconnected, at=when)
        return unconnected
    # Pure pandas work: off the event loop, so the API keeps answering while a borrower scores.
    result = await asyncio.to_thread(score_frames, frames, pd.Timestamp(when))
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
            status=row["status"],
            model_version=row["model_version"],
            as_of=row["as_of"].to_pydatetime(),
            window_start=row["window_start"].to_pydatetime(),
            window_end=row["window_end"].to_pydatetime(),
            data_as_of=freshness.get(row["borrower_id"]),
            composite=_number(row["composite"]),
            revenue=_number(row["revenue"]),
            consistency=_number(row["consistency"]),
            reliability=_number(row["reliability"]),
            growth=_number(row["growth"]),
            tier=_text(row["tier"]),
            confidence=_text(row["confidence"]),
            monthly_revenue_usd=_number(row["monthly_revenue_usd"]),
            order_count=int(row["order_count"]),
            reasons=list(row["reasons"]),
            connection_ids=list(connection_ids[row["borrower_id"]]),
        )
        for row in result.to_dict(orient="records")
    ]
    session.add_all(scores)
    await session.flush()
    # Granted lenders hear of every stored score, in this transaction (the outbox).
    await lender_webhooks.score_updated(session, [*unconnected, *scores], at=when)
    return unconnected + scores


def _without_connections(borrower_id: str, when: datetime) -> Score:
    return Score(
        borrower_id=borrower_id,
        status="pending",
        model_version=MODEL_VERSION,
        as_of=when,
        window_start=when - timedelta(days=DEFAULT_PARAMS.window.days),
        window_end=when,
        order_count=0,
        reasons=[
            {
                "code": "NO_CONNECTIONS",
                "sub_score": None,
                "points_lost": None,
                "message": "No shop or creator account is connected",
            }
        ],
        connection_ids=[],
    )


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _text(value: Any) -> str | None:
    return None if pd.isna(value) else str(value)


async def latest_score(session: AsyncSession, borrower_id: str) -> Score | None:
    return await session.scalar(
        select(Score)
        .where(Score.borrower_id == borrower_id)
        .order_by(Score.computed_at.desc(), Score.as_of.desc())
        .limit(1)
    )
