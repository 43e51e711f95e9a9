"""FastAPI dependency aliases: the request's context, its transaction, and who is calling.

The request owns the transaction: `SessionDep` commits when the endpoint returns and rolls back
when it raises. Services and repositories never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import AppContext
from app.kit.errors import NotAuthenticated
from app.kit.signed import SESSION, InvalidToken
from app.models import Borrower

SESSION_COOKIE = "cs_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600


def start_session(response: Response, context: AppContext, borrower_id: str) -> str:
    """Sign ``borrower_id`` in on ``response``: the session cookie every sign-in sets (HTTP
    only, same-site lax, secure on https); returns the session token for API clients."""
    token = context.signer.dumps(borrower_id, SESSION)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=context.settings.public_base_url.startswith("https://"),
    )
    return token


async def get_context(request: Request) -> AppContext:
    # async: FastAPI runs a plain function dependency in its thread pool, a thread hop on
    # every request for an attribute read.
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[AsyncSession]:
    async with context.sessions() as session, session.begin():
        yield session


# scope="function": commit when the endpoint returns, before the answer is sent. With the default
# ("request") the commit ran after the response went out, so a client acting on the answer at
# once (a sign-in, then a call with its token) could find nothing committed yet, and a failed
# commit would follow a success already sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def get_current_borrower(
    request: Request, context: ContextDep, session: SessionDep
) -> Borrower:
    """The signed-in borrower: session cookie, session bearer token or Supabase access token."""
    bearer = bearer_token(request)
    token = request.cookies.get(SESSION_COOKIE) or bearer
    if not token:
        raise NotAuthenticated("sign in first")
    try:
        borrower_id = context.signer.loads(token, SESSION, SESSION_MAX_AGE_S)
    except InvalidToken:
        if bearer and context.settings.identity.supabase_enabled:
            from app.identity.supabase import borrower_from_access_token

            return await borrower_from_access_token(request.app, context, session, bearer)
        raise NotAuthenticated("your session is invalid or expired: sign in again") from None
    borrower = await session.get(Borrower, borrower_id)
    if borrower is None:
        raise NotAuthenticated("your session is invalid or expired: sign in again")
    return borrower


CurrentBorrower = Annotated[Borrower, Depends(get_current_borrower)]
