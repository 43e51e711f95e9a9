"""The borrower's dashboard (score, connections, connect buttons), sign-in and sign-out.

Server-rendered HTML forms; a few lines of JavaScript (``static/app.js``) add the loading state
of the connect buttons and refresh a syncing connection in place. Every figure comes from the
same services as the JSON API (`score_view`, `list_connections`), so the pages and the API never
disagree. Connecting is in `app.web.connections`, sharing with lenders in `app.web.sharing`.
"""

from __future__ import annotations

from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.borrowers.endpoints import DevSignIn, dev_sign_in
from app.connections.endpoints import ConnectionOut, list_connections
from app.connections.platforms import SHOPIFY
from app.context import AppContext
from app.deps import SESSION_COOKIE, ContextDep, SessionDep, start_session
from app.identity.ratelimit import SignInRateLimit
from app.kit.errors import AppError, NotAuthenticated
from app.models import Borrower, BusinessConnection, Score
from app.reports.chart import revenue_chart_svg
from app.reports.service import monthly_revenue_by_platform
from app.scores.service import latest_score
from app.scores.view import score_view
from app.web.messages import PLATFORM_NAMES, connect_outcome
from app.web.render import (
    CsrfRejected,
    check_origin,
    form_borrower,
    page_borrower,
    refused,
    render,
)
from scoring.params import load_params

router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"

SUB_SCORES = (
    ("revenue", "Revenue", "How much you sell each month, after refunds."),
    ("consistency", "Consistency", "How steady your sales are from week to week."),
    ("reliability", "Reliability", "How few orders are cancelled, returned or refunded."),
    ("growth", "Growth", "Whether your sales are rising or falling."),
)
NOTICES = {
    "disconnected": "Disconnected. Its tokens and data are deleted; your score is being redone.",
    "not_found": "That account is not connected any more.",
}
# A connection whose pull has not finished: the page refreshes its row until it has.
SYNCING = frozenset({"pending", "running"})


@cache
def sub_score_weights() -> dict[str, float]:
    """The composite's weight of each sub-score, from the model's reviewed parameters."""
    return dict(load_params().weights.as_dict())


@router.get("/", response_class=HTMLResponse)
async def home() -> Response:
    return RedirectResponse("/dashboard", status_code=303)


def syncing(connections: list[ConnectionOut]) -> bool:
    return any(c.status == "active" and c.sync_state in SYNCING for c in connections)


def scoring(connections: list[ConnectionOut], latest: Score | None) -> bool:
    """A pull finished after the latest score was computed: the new score is on its way."""
    pulled = [
        c.last_synced_at
        for c in connections
        if c.status == "active" and c.sync_state == "complete" and c.last_synced_at
    ]
    return bool(pulled) and (latest is None or max(pulled) > latest.computed_at)


async def connections_values(
    borrower: Borrower, context: AppContext, session: AsyncSession
) -> dict[str, Any]:
    """What the connections list shows: the API's list, whether a pull or a score is still
    on its way, and each store's domain (a Shopify store's Authorize again form names it)."""
    connections = await list_connections(borrower, context, session)
    domains = await session.execute(
        select(BusinessConnection.id, BusinessConnection.external_account_id).where(
            BusinessConnection.borrower_id == borrower.id,
            BusinessConnection.platform == SHOPIFY,
        )
    )
    pulling = syncing(connections)
    return {
        "connections": connections,
        "syncing": pulling or scoring(connections, await latest_score(session, borrower.id)),
        "summary": "Reading your sales data…" if pulling else "Computing your score…",
        "shop_domains": {row_id: domain for row_id, domain in domains.all()},
        "platform_names": PLATFORM_NAMES,
    }


async def revenue_chart(session: AsyncSession, borrower_id: str) -> Markup | None:
    """The lender report's chart of monthly revenue per platform, over what the latest score
    used (none before anything is pulled)."""
    months = await monthly_revenue_by_platform(session, borrower_id)
    return revenue_chart_svg(months, chart_id="score-chart") if months else None


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, context: ContextDep, session: SessionDep) -> Response:
    borrower = await page_borrower(request, context, session)
    if borrower is None:
        return render(request, context, "signed_out.html", None, {"next_error": None})
    listed = await connections_values(borrower, context, session)
    success, error = connect_outcome(request.query_params, syncing=listed["syncing"])
    return render(
        request,
        context,
        "dashboard.html",
        borrower,
        {
            "score": await score_view(session, borrower.id),
            "sub_scores": SUB_SCORES,
            "weights": sub_score_weights(),
            **listed,
            "page": "dashboard",
            "success": success,
            "error": error,
            "notice": NOTICES.get(request.query_params.get("notice", "")),
            "chart": await revenue_chart(session, borrower.id),
        },
    )


@router.get("/dashboard/connections", response_class=HTMLResponse)
async def connections_fragment(
    request: Request, context: ContextDep, session: SessionDep
) -> Response:
    """The connections list alone: what the dashboard polls while a pull runs."""
    borrower = await page_borrower(request, context, session)
    if borrower is None:
        return HTMLResponse("", status_code=401)
    values = await connections_values(borrower, context, session)
    return render(request, context, "_connections.html", borrower, values)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, context: ContextDep, session: SessionDep) -> Response:
    if await page_borrower(request, context, session) is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, context, "signed_out.html", None, {"next_error": None})


@router.post("/sign-in/dev", dependencies=[SignInRateLimit])
async def dev_sign_in_form(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Development sign-in from the page: the same session `POST /api/dev/sign-in` issues."""
    check_origin(request, context)

    def again(message: str, status_code: int) -> Response:
        values = {"next_error": message, "name": name[:64]}
        return render(request, context, "signed_out.html", None, values, status_code)

    try:
        body = DevSignIn(name=name.strip())
    except ValidationError:
        return again(
            "Use 1 to 64 letters, digits, dots, dashes, underscores or @ for your name.", 422
        )
    try:
        signed_in = await dev_sign_in(body, context, session)
    except AppError as exc:  # outside development the route does not exist
        return again(exc.message, exc.status_code)
    response = RedirectResponse("/dashboard", status_code=303)
    start_session(response, context, signed_in.borrower_id)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, context: ContextDep, session: SessionDep) -> Response:
    try:
        with suppress(NotAuthenticated):  # signed out already: the cookie goes anyway
            await form_borrower(request, context, session)
    except CsrfRejected as exc:
        return refused(request, context, exc)
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
