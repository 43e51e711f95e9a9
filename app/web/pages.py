"""The borrower dashboard: sign-in state, connect TikTok Shop, connections, score, sharing.

Plain HTML forms and redirects, no JavaScript needed; the full borrower pages come later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from app.connections.auth_urls import (
    AmazonRegion,
    InvalidShop,
    amazon_url,
    shopify_url,
    tiktok_shop_url,
)
from app.deps import SESSION_COOKIE, ContextDep, SessionDep, get_current_borrower
from app.kit.errors import NotAuthenticated
from app.lenders import grants
from app.models import Lender, LenderGrant
from app.scores.endpoints import score_view

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

MESSAGES = {
    "invalid_callback": "The platform's answer could not be verified. Please try again.",
    "no_marketplace": "This Amazon seller account sells in no marketplace of that region.",
    "invalid_shop": "Enter your store's myshopify.com domain, for example my-store.myshopify.com.",
    "auth_denied": "You declined the authorization on TikTok Shop. Nothing was connected.",
    "invalid_state": "That connection attempt expired or was already used. Please try again.",
    "no_active_shop": "This TikTok Shop account has no active shop to connect.",
    "missing_code": "TikTok Shop did not return an authorization. Please try again.",
    "platform_error": "TikTok Shop did not accept the connection. Please try again later.",
}


@router.get("/", response_class=HTMLResponse)
async def home() -> Response:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, context: ContextDep, session: SessionDep) -> Response:
    try:
        borrower = await get_current_borrower(request, context, session)
    except NotAuthenticated:
        return templates.TemplateResponse(
            request, "signed_out.html", {"development": context.settings.is_development}
        )
    view = await score_view(session, borrower.id)
    lenders = list(await session.scalars(select(Lender).order_by(Lender.name)))
    active = list(
        await session.scalars(
            select(LenderGrant).where(
                LenderGrant.borrower_id == borrower.id, LenderGrant.revoked_at.is_(None)
            )
        )
    )
    query = request.query_params
    error = query.get("tiktokshop_error") or query.get("shopify_error") or query.get("amazon_error")
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "borrower": borrower,
            "score": view,
            "lenders": lenders,
            "granted": {g.lender_id: g for g in active},
            "connected": "true"
            in (
                query.get("tiktokshop_connected"),
                query.get("shopify_connected"),
                query.get("amazon_connected"),
            ),
            "error": MESSAGES.get(error or "", "Connecting failed. Please try again.")
            if error
            else None,
        },
    )


@router.get("/connect/tiktok-shop")
async def connect_tiktok_shop(
    request: Request, context: ContextDep, session: SessionDep
) -> Response:
    borrower = await get_current_borrower(request, context, session)
    url = await tiktok_shop_url(context, session, borrower.id)
    return RedirectResponse(url, status_code=303)


@router.get("/connect/amazon")
async def connect_amazon(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    region: Annotated[AmazonRegion, Query()] = "NA",
) -> Response:
    borrower = await get_current_borrower(request, context, session)
    url = await amazon_url(context, session, borrower.id, region)
    return RedirectResponse(url, status_code=303)


@router.get("/connect/shopify")
async def connect_shopify(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shop: Annotated[str, Query(max_length=255)] = "",
) -> Response:
    borrower = await get_current_borrower(request, context, session)
    try:
        url = await shopify_url(context, session, borrower.id, shop)
    except InvalidShop:
        return RedirectResponse("/dashboard?shopify_error=invalid_shop", status_code=303)
    return RedirectResponse(url, status_code=303)


@router.post("/dashboard/share")
async def share(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    lender_id: Annotated[str, Form(max_length=64)],
) -> Response:
    borrower = await get_current_borrower(request, context, session)
    if await session.get(Lender, lender_id) is not None:
        await grants.grant(session, borrower.id, lender_id)
    return RedirectResponse("/dashboard", status_code=303)


@router.post("/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
