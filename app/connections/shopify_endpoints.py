"""Shopify for a signed-in borrower: OAuth connect, or a store domain plus an Admin API token;
status, sync and disconnect."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import delete

from app.audit import service as audit
from app.connections.auth_urls import shop_domain, shopify_url
from app.connections.callback_query import strict_callback_query
from app.connections.endpoints import AuthUrlOut, to_dashboard
from app.connections.oauth_state import StateRejected, consume_state
from app.connections.platforms import SHOPIFY, shopify_config
from app.connections.shopify import borrower_stores, connect_with_code, connect_with_token
from app.db import transaction
from app.deps import ContextDep, CurrentBorrower, SessionDep
from app.kit.errors import AppError, NotFound, error_responses
from app.models import BusinessConnection
from connectors.shopify import (
    InvalidCallback,
    verify_callback,
)

router = APIRouter(tags=["shopify"])
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
log = structlog.get_logger(__name__)


class TokenConnectIn(BaseModel):
    shopDomain: str = Field(max_length=255)
    accessToken: SecretStr = Field(
        min_length=1, max_length=255, description="visible ASCII, as Shopify issues it"
    )

    @field_validator("accessToken")
    @classmethod
    def _header_safe(cls, token: SecretStr) -> SecretStr:
        # The token travels in an HTTP header: anything else could never be Shopify's, and
        # would fail only when sent (the fuzzer found a 500 there).
        if not _VISIBLE_ASCII.fullmatch(token.get_secret_value()):
            raise ValueError("an Admin API access token is visible ASCII without spaces")
        return token


class StatusOut(BaseModel):
    connected: bool
    shopDomain: str | None = None
    status: str | None = None
    statusReason: str | None = None
    syncState: str | None = None
    lastSyncedAt: datetime | None = None
    orderCount: int | None = None
    productCount: int | None = None
    apiVersion: str | None = None
    visibleDays: int | None = Field(
        default=None, description="60 when the store did not grant read_all_orders"
    )


def _status(connection: BusinessConnection | None) -> StatusOut:
    if connection is None:
        return StatusOut(connected=False)
    metrics = connection.metrics or {}
    return StatusOut(
        connected=connection.status == "active",
        shopDomain=connection.external_account_id,
        status=connection.status,
        statusReason=connection.status_reason,
        syncState=connection.sync_state,
        lastSyncedAt=connection.last_synced_at,
        orderCount=metrics.get("orders"),
        productCount=metrics.get("product_count"),
        apiVersion=connection.api_version,
        visibleDays=connection.visible_days,
    )


@router.get("/api/shopify/auth", response_model=AuthUrlOut, responses=error_responses(400, 401))
async def shopify_auth(
    borrower: CurrentBorrower,
    context: ContextDep,
    session: SessionDep,
    shop: Annotated[str, Query(max_length=255, description="my-store.myshopify.com")],
) -> AuthUrlOut:
    """The store's install page for this borrower (state bound to borrower and store)."""
    return AuthUrlOut(authUrl=await shopify_url(context, session, borrower.id, shop))


@router.get("/api/shopify/callback", include_in_schema=False)
async def shopify_callback(
    request: Request, borrower: CurrentBorrower, context: ContextDep
) -> RedirectResponse:
    """Verify the HMAC, shop and timestamp before anything else, then state, then exchange."""

    query = strict_callback_query(request)  # a garbled query is a 400 before anything else

    def back(**params: str) -> RedirectResponse:
        return to_dashboard(context, **params)

    if query.get("error"):
        return back(shopify_error="auth_denied")
    try:
        callback = verify_callback(
            # Shopify's timestamp is the platform's time: freshness is checked against the
            # clock platform clients run on (the wall clock), not the service's data clock.
            shopify_config(context.settings),
            query,
            now=context.platform_clock(),
        )
        async with transaction(context.sessions) as session:
            await consume_state(
                session,
                context.signer,
                callback.state,
                borrower_id=borrower.id,
                platform=SHOPIFY,
                account=callback.shop,
            )
        async with transaction(context.sessions) as session:
            connection = await connect_with_code(context, session, borrower, callback)
            audit.record_connection(session, "connection.connect", connection, request=request)
            connection_id = connection.id
    except InvalidCallback as exc:
        log.warning("shopify_callback_rejected", reason=str(exc))
        return back(shopify_error="invalid_callback")
    except StateRejected:
        return back(shopify_error="invalid_state")
    except AppError as exc:
        return back(shopify_error=exc.code)
    await context.jobs.enqueue_sync(connection_id)
    return back(shopify_connected="true")


@router.post(
    "/api/shopify/connect", response_model=StatusOut, responses=error_responses(400, 401, 502)
)
async def shopify_connect(
    request: Request, body: TokenConnectIn, borrower: CurrentBorrower, context: ContextDep
) -> StatusOut:
    """Connect with the store's domain and an Admin API access token from its custom app.

    The token is checked against the store first: a token the store refuses stores nothing and
    answers 400. It is encrypted like every other secret and never shown again.
    """
    domain = shop_domain(body.shopDomain)
    async with transaction(context.sessions) as session:
        connection = await connect_with_token(
            context, session, borrower, domain, body.accessToken.get_secret_value()
        )
        audit.record_connection(
            session, "connection.connect", connection, request=request, via="access_token"
        )
        status = _status(connection)
        connection_id = connection.id
    await context.jobs.enqueue_sync(connection_id)
    return status


@router.get("/api/shopify/status", response_model=StatusOut, responses=error_responses(401))
async def shopify_status(borrower: CurrentBorrower, session: SessionDep) -> StatusOut:
    stores = await borrower_stores(session, borrower.id)
    return _status(stores[-1] if stores else None)


@router.post(
    "/api/shopify/sync",
    response_model=StatusOut,
    status_code=202,
    responses=error_responses(401, 404),
)
async def shopify_sync(
    borrower: CurrentBorrower, context: ContextDep, session: SessionDep
) -> StatusOut:
    stores = await borrower_stores(session, borrower.id)
    if not stores:
        raise NotFound("no Shopify store is connected")
    for store in stores:
        await context.jobs.enqueue_sync(store.id)
    return _status(stores[-1])


@router.post(
    "/api/shopify/disconnect", response_model=StatusOut, responses=error_responses(401, 404)
)
async def shopify_disconnect(
    request: Request, borrower: CurrentBorrower, context: ContextDep
) -> StatusOut:
    """Remove the borrower's Shopify connections with their tokens and synced data."""
    async with transaction(context.sessions) as session:
        stores = await borrower_stores(session, borrower.id)
        if not stores:
            raise NotFound("no Shopify store is connected")
        for store in stores:
            audit.record_connection(session, "connection.disconnect", store, request=request)
        await session.execute(
            delete(BusinessConnection).where(
                BusinessConnection.id.in_([store.id for store in stores])
            )
        )
    await context.jobs.enqueue_rescore(borrower.id)
    return StatusOut(connected=False)
