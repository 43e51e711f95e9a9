"""Amazon for a signed-in borrower (website authorization), and order-number verification for
Amazon and TikTok Shop sellers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.audit import service as audit
from app.connections.amazon import connect_with_code
from app.connections.auth_urls import AmazonRegion, amazon_url
from app.connections.callback_query import strict_callback_query
from app.connections.endpoints import AuthUrlOut, to_dashboard
from app.connections.oauth_state import (
    StateRejected,
    consume_state,
    state_account,
)
from app.connections.platforms import AMAZON, TIKTOK_SHOP
from app.connections.verify import verify_order
from app.db import transaction
from app.deps import ContextDep, CurrentBorrower
from app.kit.errors import AppError, error_responses
from connectors.amazon_sp_api import InvalidCallback, parse_callback

router = APIRouter(tags=["amazon"])
log = structlog.get_logger(__name__)


@router.get("/api/amazon/auth", response_model=AuthUrlOut, responses=error_responses(401))
async def amazon_auth(
    borrower: CurrentBorrower,
    context: ContextDep,
    region: Annotated[AmazonRegion, Query(description="the seller's SP-API region")] = "NA",
) -> AuthUrlOut:
    """Seller Central's consent page for this borrower (state bound to borrower and region)."""
    async with transaction(context.sessions) as session:
        url = await amazon_url(context, session, borrower.id, region)
    return AuthUrlOut(authUrl=url)


@router.get("/api/amazon/callback", include_in_schema=False)
async def amazon_callback(
    request: Request, borrower: CurrentBorrower, context: ContextDep
) -> RedirectResponse:
    query = strict_callback_query(request)  # a garbled query is a 400 before anything else

    def back(**params: str) -> RedirectResponse:
        return to_dashboard(context, **params)

    if query.get("error"):
        return back(amazon_error="auth_denied")
    try:
        callback = parse_callback(query)
        region = _state_region(context, callback.state)
        async with transaction(context.sessions) as session:
            await consume_state(
                session,
                context.signer,
                callback.state,
                borrower_id=borrower.id,
                platform=AMAZON,
                account=region,
            )
        async with transaction(context.sessions) as session:
            connection = await connect_with_code(context, session, borrower, callback, region)
            audit.record_connection(session, "connection.connect", connection, request=request)
            connection_id = connection.id
    except InvalidCallback:
        return back(amazon_error="invalid_callback")
    except StateRejected:
        return back(amazon_error="invalid_state")
    except AppError as exc:
        return back(amazon_error=exc.code)
    await context.jobs.enqueue_sync(connection_id)
    return back(amazon_connected="true")


def _state_region(context: ContextDep, state: str) -> str:
    """The region the state was issued for (checked again, with everything else, on consume)."""
    region = state_account(context.signer, state)
    if region not in ("NA", "EU", "FE"):
        raise StateRejected("the authorization request is invalid: start again")
    return region


class VerifyIn(BaseModel):
    orderNumber: str = Field(min_length=1, max_length=64)


class VerifiedOut(BaseModel):
    verified: bool
    platform: str
    orderNumber: str
    createdAt: datetime
    status: str
    total: Decimal
    currency: str


# 404: no seller account connected; 409: counted already; 422: not the seller's order.
VERIFY_ERRORS = error_responses(401, 404, 409, 422, 502)


async def _verify(
    platform: str, body: VerifyIn, borrower: CurrentBorrower, context: ContextDep
) -> VerifiedOut:
    async with transaction(context.sessions) as session:
        order = await verify_order(context, session, borrower, platform, body.orderNumber)
    await context.jobs.enqueue_rescore(borrower.id)
    return VerifiedOut(
        verified=True,
        platform=order.platform,
        orderNumber=order.order_number,
        createdAt=order.created_at,
        status=order.status,
        total=order.total,
        currency=order.currency,
    )


@router.post("/api/amazon/orders/verify", response_model=VerifiedOut, responses=VERIFY_ERRORS)
async def verify_amazon_order(
    body: VerifyIn, borrower: CurrentBorrower, context: ContextDep
) -> VerifiedOut:
    """Count an order number the seller reports, once Amazon confirms it is theirs."""
    return await _verify(AMAZON, body, borrower, context)


@router.post("/api/tiktokshop/orders/verify", response_model=VerifiedOut, responses=VERIFY_ERRORS)
async def verify_tiktok_order(
    body: VerifyIn, borrower: CurrentBorrower, context: ContextDep
) -> VerifiedOut:
    """Count an order number the seller reports, once TikTok Shop confirms it is theirs."""
    return await _verify(TIKTOK_SHOP, body, borrower, context)
