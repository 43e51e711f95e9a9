"""The lender API (`/v1`, API keys) and the borrower's grants (`/api/grants`, session)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from app.audit import service as audit
from app.context import AppContext
from app.deps import CurrentBorrower, SessionDep
from app.kit.errors import AppError, NotFound, error_responses
from app.kit.ids import id_path
from app.lenders import grants, score_read
from app.lenders.deps import invalid_key, lender_of, missing_scope, presented_key
from app.lenders.score_read import NO_KEY, SCOPE, ScoreReads
from app.models import Lender, LenderGrant
from app.models.base import utcnow
from app.scores.schemas import ScoreOut
from app.scores.view import granted_score_view

router = APIRouter()
# An id with a NUL would fail the score read's statement, which other reads share: refused first.
BorrowerId = id_path("the borrower's id, as the borrower shared it")


@router.get(
    "/v1/borrowers/{borrower_id}/score",
    response_model=ScoreOut,
    tags=["lender API"],
    responses=error_responses(401, 403, 404, 429),
)
async def borrower_score(request: Request, borrower_id: str = BorrowerId) -> ScoreOut:
    """The borrower's latest score, if the borrower granted this lender access.

    Answers 404 alike for a borrower who does not exist and one who granted no access, so the
    answer never tells whether a borrower exists. Every score answered is in the audit trail
    before the answer is sent.
    """
    # No dependencies: the lender API's hot path takes its key and connection itself; FastAPI's
    # dependency machinery (an exit stack per request for a yielding one) cost a tenth of it.
    context: AppContext = request.app.state.context
    key = presented_key(request)
    now = utcnow()
    if context.score_reads is not None:
        return await _read_in_one_statement(request, context.score_reads, key, borrower_id, now)
    async with context.engine.begin() as connection:
        lender = await lender_of(request, connection)
        lender.require(SCOPE)
        # Access and the score in one statement; then the read's audit record, in the same
        # transaction: the answer is sent only once both are committed.
        view = await granted_score_view(connection, lender.lender_id, borrower_id, now)
        if view is None:
            raise NotFound("borrower not found")
        await audit.append(
            connection,
            actor_type="lender",
            actor_id=lender.lender_id,
            action="score.read",
            borrower_id=borrower_id,
            request=request,
            key_id=lender.key_id,
            status=view.status,
        )
    return view


async def _read_in_one_statement(
    request: Request, reads: ScoreReads, key: str, borrower_id: str, now: datetime
) -> ScoreOut:
    """PostgreSQL: the whole read, audit record included, in one statement in autocommit
    shared with the reads that arrived in the same turn (`app.lenders.score_read`)."""
    where_from = audit.origin(request)
    wanted = score_read.request(
        key, borrower_id, now, ip=where_from["ip"], user_agent=where_from["user_agent"]
    )
    read = NO_KEY if wanted is None else await reads.read(wanted)
    if not read.key_valid:
        raise await invalid_key(request)
    if not read.may_read:
        raise missing_scope(SCOPE)
    if read.score is None:
        raise NotFound("borrower not found")
    return read.score


class LenderOut(BaseModel):
    id: str
    name: str


class GrantIn(BaseModel):
    lender_id: str = Field(max_length=64)
    expires_at: AwareDatetime | None = None


class GrantOut(BaseModel):
    id: str
    lender_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@router.get(
    "/api/lenders",
    response_model=list[LenderOut],
    tags=["grants"],
    responses=error_responses(401),
)
async def list_lenders(_: CurrentBorrower, session: SessionDep) -> list[LenderOut]:
    rows = await session.scalars(select(Lender).order_by(Lender.name))
    return [LenderOut(id=row.id, name=row.name) for row in rows]


@router.get(
    "/api/grants",
    response_model=list[GrantOut],
    tags=["grants"],
    responses=error_responses(401),
)
async def list_grants(borrower: CurrentBorrower, session: SessionDep) -> list[GrantOut]:
    rows = await session.scalars(
        select(LenderGrant)
        .where(LenderGrant.borrower_id == borrower.id)
        .order_by(LenderGrant.created_at)
    )
    return [GrantOut.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/api/grants",
    response_model=GrantOut,
    status_code=201,
    tags=["grants"],
    responses=error_responses(400, 401, 404),
)
async def create_grant(
    request: Request, body: GrantIn, borrower: CurrentBorrower, session: SessionDep
) -> GrantOut:
    if await session.get(Lender, body.lender_id) is None:
        raise NotFound("no such lender")
    if body.expires_at is not None and body.expires_at <= utcnow():
        raise AppError("expires_at must be in the future", code="invalid_expiry")
    row = await grants.grant(session, borrower.id, body.lender_id, body.expires_at)
    audit.record(
        session,
        actor_type="borrower",
        actor_id=borrower.id,
        action="grant.create",
        borrower_id=borrower.id,
        target_id=row.id,
        request=request,
        lender_id=body.lender_id,
        expires_at=body.expires_at.isoformat() if body.expires_at else None,
    )
    return GrantOut.model_validate(row, from_attributes=True)


@router.delete(
    "/api/grants/{grant_id}",
    status_code=204,
    tags=["grants"],
    responses=error_responses(401, 404),
)
async def delete_grant(
    request: Request,
    borrower: CurrentBorrower,
    session: SessionDep,
    grant_id: str = id_path(),
) -> Response:
    if not await grants.revoke(session, borrower.id, grant_id):
        raise NotFound("no such active grant")
    audit.record(
        session,
        actor_type="borrower",
        actor_id=borrower.id,
        action="grant.revoke",
        borrower_id=borrower.id,
        target_id=grant_id,
        request=request,
    )
    return Response(status_code=204)
