"""TikTok Shop connect flow for a signed-in borrower, and the borrower's list of connections."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.connections.auth_urls import tiktok_shop_url
from app.connections.callback_query import strict_callback_query
from app.connections.oauth_state import StateRejected, consume_state
from app.connections.platforms import TIKTOK_SHOP
from app.connections.tiktok_shop import connect_tiktok_shop
from app.context import AppContext
from app.db import transaction
from app.deps import ContextDep, CurrentBorrower, SessionDep
from app.kit.errors import AppError, NotFound, error_responses
from app.kit.ids import id_path
from app.models import BusinessConnection, SyncRun
from app.models.base import utcnow

router = APIRouter(tags=["connections"])
log = structlog.get_logger(__name__)


class AuthUrlOut(BaseModel):
    authUrl: str


class LastSyncOut(BaseModel):
    """The connection's most recent pull: what it fetched, stored and quarantined per stream."""

    status: str = Field(description="running, complete or failed")
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, dict[str, int]] = Field(
        description="per stream: fetched, stored and quarantined records"
    )
    error: str | None


class ConnectionOut(BaseModel):
    id: str
    platform: str
    role: str
    shop_name: str | None
    region: str | None
    currency: str | None
    status: str
    status_reason: str | None
    sync_state: str
    last_synced_at: datetime | None
    data_window_start: datetime | None
    data_window_end: datetime | None
    visible_days: int | None = Field(
        default=None, description="days back the platform shows, when fewer than the window"
    )
    metrics: dict[str, object]
    authorization_expires_at: datetime | None = Field(
        default=None, description="when the seller must authorize again (Amazon: yearly)"
    )
    reauthorize_soon: bool = Field(
        default=False, description="the authorization ends within the warning period"
    )
    last_sync: LastSyncOut | None = None
    sync_progress: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description=(
            "per stream: pages committed of the window being pulled, whether it is done, when, "
            "and up to when every change is stored"
        ),
    )

    @classmethod
    def of(cls, row: BusinessConnection, *, now: datetime, warning: timedelta) -> ConnectionOut:
        out = cls.model_validate(row, from_attributes=True)
        expires = row.refresh_token_expires_at
        out.authorization_expires_at = expires
        out.reauthorize_soon = expires is not None and expires - now <= warning
        out.sync_progress = {
            stream: {
                # pages committed of the window being pulled (or of the last one, when done)
                "pages": cursor.get("pages"),
                "done": cursor.get("run") is None,
                "at": cursor.get("at"),
                "updated_through": cursor.get("updated_through"),
            }
            for stream, cursor in (row.sync_cursors or {}).items()
            if isinstance(cursor, dict)
        }
        return out


def to_dashboard(context: AppContext, **params: str) -> RedirectResponse:
    """Where every OAuth callback ends: always our own dashboard, never a URL from the request,
    so no callback can be turned into an open redirect."""
    return RedirectResponse(
        f"{context.settings.dashboard_path}?{urlencode(params)}", status_code=303
    )


@router.get("/api/tiktokshop/auth", response_model=AuthUrlOut, responses=error_responses(401))
async def tiktok_shop_auth(
    borrower: CurrentBorrower,
    context: ContextDep,
    session: SessionDep,
    creator: Annotated[bool, Query(description="authorize a creator account")] = False,
) -> AuthUrlOut:
    """The TikTok Shop consent URL for this borrower (state valid 10 minutes, single use)."""
    url = await tiktok_shop_url(context, session, borrower.id, creator=creator)
    return AuthUrlOut(authUrl=url)


@router.get("/api/tiktokshop/callback", include_in_schema=False)
async def tiktok_shop_callback(
    request: Request,
    borrower: CurrentBorrower,
    context: ContextDep,
    state: Annotated[str, Query(max_length=2048)] = "",
    code: Annotated[str, Query(max_length=2048)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> RedirectResponse:
    """Where TikTok sends the seller back: verify state, exchange the code, start the pull."""
    strict_callback_query(request)  # a garbled query is a 400 before the state is touched

    def back(**params: str) -> RedirectResponse:
        return to_dashboard(context, **params)

    try:
        async with transaction(context.sessions) as session:
            await consume_state(
                session, context.signer, state, borrower_id=borrower.id, platform=TIKTOK_SHOP
            )
        if error:
            reason = "auth_denied" if error == "auth_denied" else "authorization_failed"
            return back(tiktokshop_error=reason)
        if not code or code == "null":
            return back(tiktokshop_error="missing_code")
        async with transaction(context.sessions) as session:
            connections = await connect_tiktok_shop(context, session, borrower, code)
            for connection in connections:
                audit.record_connection(session, "connection.connect", connection, request=request)
            connection_ids = [connection.id for connection in connections]
    except StateRejected:
        return back(tiktokshop_error="invalid_state")
    except AppError as exc:
        log.warning("tiktok_shop_connect_failed", borrower_id=borrower.id, reason=exc.code)
        return back(tiktokshop_error=exc.code)
    for connection_id in connection_ids:
        await context.jobs.enqueue_sync(connection_id)
    log.info("tiktok_shop_connected", borrower_id=borrower.id, connections=len(connection_ids))
    return back(tiktokshop_connected="true")


@router.get("/api/connections", response_model=list[ConnectionOut], responses=error_responses(401))
async def list_connections(
    borrower: CurrentBorrower, context: ContextDep, session: SessionDep
) -> list[ConnectionOut]:
    rows = await session.scalars(
        select(BusinessConnection)
        .where(BusinessConnection.borrower_id == borrower.id)
        .order_by(BusinessConnection.created_at)
    )
    connections = list(rows)
    warning = timedelta(days=context.settings.amazon.reauthorize_warning_days)
    latest = await last_runs(session, [row.id for row in connections])
    out = []
    for row in connections:
        item = ConnectionOut.of(row, now=utcnow(), warning=warning)
        run = latest.get(row.id)
        if run is not None:
            item.last_sync = LastSyncOut.model_validate(run, from_attributes=True)
        out.append(item)
    return out


async def last_runs(session: AsyncSession, connection_ids: list[str]) -> dict[str, SyncRun]:
    """The most recent sync run of each connection."""
    if not connection_ids:
        return {}
    newest = (
        select(SyncRun.connection_id, func.max(SyncRun.started_at).label("started_at"))
        .where(SyncRun.connection_id.in_(connection_ids))
        .group_by(SyncRun.connection_id)
        .subquery()
    )
    runs = await session.scalars(
        select(SyncRun).join(
            newest,
            (SyncRun.connection_id == newest.c.connection_id)
            & (SyncRun.started_at == newest.c.started_at),
        )
    )
    return {run.connection_id: run for run in runs}


@router.delete(
    "/api/connections/{connection_id}", status_code=204, responses=error_responses(401, 404)
)
async def disconnect(
    request: Request,
    borrower: CurrentBorrower,
    context: ContextDep,
    connection_id: Annotated[str, id_path()],
) -> Response:
    """Disconnect an account: its tokens and synced data are deleted, and the score is redone.

    None of the platforms connected so far offers a token revocation call a seller-facing app can
    use (TikTok Shop and Amazon sellers remove apps in their own consoles; Shopify's uninstall
    arrives as app/uninstalled), so nothing is sent to the platform: the tokens are destroyed here.
    """
    async with transaction(context.sessions) as session:
        connection = await session.get(BusinessConnection, connection_id)
        if connection is None or connection.borrower_id != borrower.id:
            raise NotFound("no such connection")
        audit.record_connection(session, "connection.disconnect", connection, request=request)
        await session.delete(connection)
    await context.jobs.enqueue_rescore(borrower.id)
    return Response(status_code=204)
