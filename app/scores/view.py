"""A borrower's score as the API shows it, read in one statement.

The latest score and the borrower's connections come back together: one row per connection
(or a single row without one), each carrying the latest score's columns. For a lender the same
statement also requires an active grant, so access, score and freshness are one round trip to
the database and one consistent snapshot; no row at all means "no such borrower, or no access".
Core selects, not ORM objects: this is the lender API's hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from app.models import Borrower, BusinessConnection, LenderGrant, Score
from app.scores.schemas import ConnectionFreshness, Reason, ScoreOut, SubScores

_SCORE = (
    Score.status,
    Score.composite,
    Score.revenue,
    Score.consistency,
    Score.reliability,
    Score.growth,
    Score.tier,
    Score.confidence,
    Score.monthly_revenue_usd,
    Score.order_count,
    Score.reasons,
    Score.model_version,
    Score.as_of,
    Score.window_start,
    Score.window_end,
    Score.data_as_of,
)
_CONNECTION = (
    BusinessConnection.id.label("connection_id"),
    BusinessConnection.platform,
    BusinessConnection.status.label("connection_status"),
    BusinessConnection.sync_state,
    BusinessConnection.last_synced_at,
    BusinessConnection.data_window_start,
    BusinessConnection.data_window_end,
    BusinessConnection.created_at.label("connection_created_at"),
)

NO_COMPLETE_DATA = Reason(
    code="NO_COMPLETE_DATA",
    message="No connected account has finished its first 90-day pull yet",
)


def view_of(borrower_id: ColumnElement[str]) -> Select[Any]:
    """The view's rows for the borrower ``borrower_id`` names (a parameter, or a column of
    another FROM in a statement reading many borrowers), connections in no particular order."""
    history = aliased(Score)
    latest = (
        select(history.id)
        .where(history.borrower_id == Borrower.id)
        .order_by(history.computed_at.desc(), history.as_of.desc())
        .limit(1)
        .correlate(Borrower)
        .scalar_subquery()
    )
    return (
        select(Score.id.label("score_id"), *_SCORE, *_CONNECTION)
        .select_from(Borrower)
        # The borrower_id term lets the database find the score through the borrower's index.
        .outerjoin(Score, and_(Score.borrower_id == Borrower.id, Score.id == latest))
        .outerjoin(BusinessConnection, BusinessConnection.borrower_id == Borrower.id)
        .where(Borrower.id == borrower_id)
    )


# Built once: constructing a statement costs more than running it from the compiled cache.
VIEW = view_of(bindparam("borrower_id")).order_by(BusinessConnection.created_at)
_GRANTED_VIEW = VIEW.where(
    exists().where(
        LenderGrant.lender_id == bindparam("lender_id"),
        LenderGrant.borrower_id == Borrower.id,
        LenderGrant.revoked_at.is_(None),
        or_(LenderGrant.expires_at.is_(None), LenderGrant.expires_at > bindparam("now")),
    )
)


async def score_view(session: AsyncSession, borrower_id: str) -> ScoreOut:
    """The borrower's latest score and the freshness of each connection."""
    connection = await session.connection()  # Core rows, no ORM objects
    rows = (await connection.execute(VIEW, {"borrower_id": borrower_id})).all()
    return build(borrower_id, rows)


async def granted_score_view(
    connection: AsyncConnection, lender_id: str, borrower_id: str, now: datetime
) -> ScoreOut | None:
    """:func:`score_view` if ``lender_id`` holds an active grant of the borrower at ``now``;
    None otherwise (also for a borrower who does not exist)."""
    params = {"borrower_id": borrower_id, "lender_id": lender_id, "now": now}
    rows = (await connection.execute(_GRANTED_VIEW, params)).all()
    return build(borrower_id, rows) if rows else None


def build(borrower_id: str, rows: Sequence[Row[Any]]) -> ScoreOut:
    """The API's score from the rows of :func:`_view` (none: no score, no connection)."""
    connections = [
        ConnectionFreshness(
            platform=row.platform,
            status=row.connection_status,
            sync_state=row.sync_state,
            last_synced_at=row.last_synced_at,
            data_window_start=row.data_window_start,
            data_window_end=row.data_window_end,
        )
        for row in rows
        if row.connection_id is not None
    ]
    score = rows[0] if rows and rows[0].score_id is not None else None
    if score is None:
        return ScoreOut(
            borrower_id=borrower_id,
            status="pending",
            reasons=[NO_COMPLETE_DATA],
            connections=connections,
        )
    scored = score.status == "scored"
    return ScoreOut(
        borrower_id=borrower_id,
        status="scored" if scored else "pending",
        composite=score.composite,
        sub_scores=SubScores(
            revenue=score.revenue,
            consistency=score.consistency,
            reliability=score.reliability,
            growth=score.growth,
        )
        if scored
        else None,
        tier=score.tier,
        confidence=score.confidence,
        monthly_revenue_usd=score.monthly_revenue_usd,
        order_count=score.order_count,
        reasons=[Reason.model_validate(r) for r in score.reasons],
        model_version=score.model_version,
        as_of=score.as_of,
        window_start=score.window_start,
        window_end=score.window_end,
        data_as_of=score.data_as_of,
        connections=connections,
    )
