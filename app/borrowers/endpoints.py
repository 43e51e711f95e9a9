"""Development sign-in: a signed session for a local borrower, refused outside development.

A later identity provider (Supabase Auth, Sign-In with Ethereum) issues the same session, so
everything behind `CurrentBorrower` stays as it is.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.borrowers.service import get_or_create
from app.deps import ContextDep, CurrentBorrower, SessionDep, start_session
from app.identity.ratelimit import SignInRateLimit
from app.kit.errors import NotAuthenticated, NotFound, error_responses
from app.kit.signed import SESSION, SIGN_IN_LINK, InvalidToken

router = APIRouter(tags=["borrowers"])
SIGN_IN_LINK_MAX_AGE_S = 24 * 3600
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class DevSignIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=_NAME.pattern)


class SessionOut(BaseModel):
    borrower_id: str
    session_token: str


class BorrowerOut(BaseModel):
    id: str
    display_name: str


def _require_development(context: ContextDep) -> None:
    if not context.settings.is_development:
        # Outside development the route does not exist, as far as anyone can tell.
        raise NotFound("not found")


def sign_in_link(context: ContextDep, borrower_id: str) -> str:
    token = context.signer.dumps(borrower_id, SIGN_IN_LINK)
    return f"{context.settings.public_base_url.rstrip('/')}/dev/sign-in?token={token}"


@router.post(
    "/api/dev/sign-in",
    response_model=SessionOut,
    dependencies=[SignInRateLimit],
    responses=error_responses(404, 429),
)
async def dev_sign_in(body: DevSignIn, context: ContextDep, session: SessionDep) -> SessionOut:
    """Sign in as a local development borrower; returns a session token (also usable as Bearer)."""
    _require_development(context)
    borrower = await get_or_create(session, f"dev:{body.name}", body.name)
    return SessionOut(
        borrower_id=borrower.id, session_token=context.signer.dumps(borrower.id, SESSION)
    )


@router.get("/dev/sign-in", include_in_schema=False)
async def dev_sign_in_link(
    context: ContextDep, session: SessionDep, token: str = Query(max_length=512)
) -> RedirectResponse:
    """Follow a printed development sign-in link: sets the session cookie, opens the dashboard."""
    _require_development(context)
    try:
        borrower_id = context.signer.loads(token, SIGN_IN_LINK, SIGN_IN_LINK_MAX_AGE_S)
    except InvalidToken:
        raise NotAuthenticated("this sign-in link is invalid or expired") from None
    response = RedirectResponse(context.settings.dashboard_path, status_code=303)
    start_session(response, context, borrower_id)
    return response


@router.get("/api/me", response_model=BorrowerOut, responses=error_responses(401))
async def me(borrower: CurrentBorrower) -> BorrowerOut:
    return BorrowerOut(id=borrower.id, display_name=borrower.display_name)
