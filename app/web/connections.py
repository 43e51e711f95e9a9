"""Connecting and disconnecting accounts from the borrower pages.

Each connect form is a POST (it mints a single-use OAuth state, so it changes something) that
answers 303 to the platform's consent page; the platform sends the browser back to the API's
callback, which ends on the dashboard with ``?<platform>_connected=true`` or ``_error=<code>``.
The work is the API's: the same consent URLs (`app.connections.auth_urls`), the same Shopify
token connect and the same disconnect, called with the borrower the form proved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretStr, ValidationError

from app.connections.auth_urls import AmazonRegion, InvalidShop, amazon_url, shopify_url
from app.connections.auth_urls import tiktok_shop_url as tiktok_url
from app.connections.endpoints import disconnect as disconnect_connection
from app.connections.shopify_endpoints import TokenConnectIn, shopify_connect
from app.deps import ContextDep, SessionDep
from app.kit.errors import AppError, NotAuthenticated
from app.kit.ids import is_id
from app.web.render import CsrfRejected, back_to, form_borrower, refused

router = APIRouter(include_in_schema=False)
DASHBOARD = "/dashboard"
REGIONS: dict[str, AmazonRegion] = {"NA": "NA", "EU": "EU", "FE": "FE"}


def to_platform(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


@router.post("/connect/tiktok-shop")
async def connect_tiktok_shop(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    account: Annotated[str, Form(max_length=16)] = "seller",
) -> Response:
    """To TikTok Shop's consent page (a creator account has its own consent page)."""
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    url = await tiktok_url(context, session, borrower.id, creator=account == "creator")
    return to_platform(url)


@router.post("/connect/shopify")
async def connect_shopify(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shop: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """To the store's Shopify install page, or back with a clear word about the domain."""
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    try:
        url = await shopify_url(context, session, borrower.id, shop)
    except InvalidShop:
        return back_to(DASHBOARD, shopify_error="invalid_shop")
    return to_platform(url)


@router.post("/connect/shopify/token")
async def connect_shopify_token(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shop: Annotated[str, Form(max_length=255)] = "",
    access_token: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """A store domain and its custom app's Admin API token: checked against the store first."""
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    try:
        body = TokenConnectIn(shopDomain=shop, accessToken=SecretStr(access_token.strip()))
    except ValidationError:
        return back_to(DASHBOARD, shopify_error="invalid_token")
    try:
        await shopify_connect(request, body, borrower, context)
    except AppError as exc:
        return back_to(DASHBOARD, shopify_error=exc.code)
    return back_to(DASHBOARD, shopify_connected="true")


@router.post("/connect/amazon")
async def connect_amazon(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    region: Annotated[str, Form(max_length=4)] = "NA",
) -> Response:
    """To Seller Central's consent page of the region the seller picked."""
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    chosen = REGIONS.get(region.upper())
    if chosen is None:
        return back_to(DASHBOARD, amazon_error="invalid_region")
    return to_platform(await amazon_url(context, session, borrower.id, chosen))


@router.post("/connections/{connection_id}/disconnect")
async def disconnect(
    request: Request, context: ContextDep, session: SessionDep, connection_id: str
) -> Response:
    """Remove the account with its tokens and data; the score is redone without it."""
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    if not is_id(connection_id):
        return back_to(DASHBOARD, notice="not_found")
    try:
        await disconnect_connection(request, borrower, context, connection_id)
    except AppError as exc:
        if exc.status_code == 404:
            return back_to(DASHBOARD, notice="not_found")
        raise
    return back_to(DASHBOARD, notice="disconnected")
