"""`GET /api/audit`: a borrower sees every event about their data, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from app.deps import CurrentBorrower, SessionDep
from app.kit.errors import error_responses
from app.models import AuditEvent, Lender

router = APIRouter(tags=["audit"])


class AuditOut(BaseModel):
    at: datetime
    action: str
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]


@router.get("/api/audit", response_model=list[AuditOut], responses=error_responses(401))
async def my_audit(
    borrower: CurrentBorrower,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    """Who read my score, which grants and connections changed, newest first."""
    rows = (
        await session.execute(
            select(AuditEvent, Lender.name)
            .outerjoin(
                Lender, (AuditEvent.actor_type == "lender") & (Lender.id == AuditEvent.actor_id)
            )
            .where(AuditEvent.borrower_id == borrower.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    ).all()
    return [
        AuditOut(
            at=event.at,
            action=event.action,
            actor_type=event.actor_type,
            actor_id=event.actor_id,
            actor_name=name,
            target_id=event.target_id,
            ip=event.ip,
            details=event.details or {},
        )
        for event, name in rows
    ]
