"""The lender behind a request: an API key in ``Authorization: Bearer``, with its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.deps import SessionDep, bearer_token
from app.identity.ratelimit import limiter_of
from app.kit.errors import Forbidden, NotAuthenticated
from app.lenders.keys import authenticate


@dataclass(frozen=True)
class LenderPrincipalData:
    lender_id: str
    key_id: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise missing_scope(scope)


def missing_scope(scope: str) -> Forbidden:
    """The error for a valid key without ``scope``."""
    return Forbidden(f"this API key lacks the {scope} scope")


async def lender_of(request: Request, connection: AsyncConnection) -> LenderPrincipalData:
    """The lender whose API key the request carries, checked on ``connection`` now."""
    key = await authenticate(connection, presented_key(request))
    if key is None:
        raise await invalid_key(request)
    return LenderPrincipalData(lender_id=key.lender_id, key_id=key.id, scopes=key.scopes)


def presented_key(request: Request) -> str:
    """The API key the request carries; 401 without one."""
    token = bearer_token(request)
    if not token:
        raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
    return token


async def invalid_key(request: Request) -> NotAuthenticated:
    """The error for a key that is not valid, once the failure is counted against the client.

    Guessing keys costs attempts: failures count per client, like sign-ins, and past the limit
    the answer is 429 whatever the key (successful reads never count).
    """
    client = request.client.host if request.client else "unknown"
    limiter = limiter_of(request.app, request.app.state.context.settings)
    await limiter.hit_async("api-key-failures", client)
    return NotAuthenticated("this API key is invalid or revoked")


async def get_lender(request: Request, session: SessionDep) -> LenderPrincipalData:
    return await lender_of(request, await session.connection())


# For endpoints on `SessionDep`: the key is checked in the request's own transaction.
LenderPrincipal = Annotated[LenderPrincipalData, Depends(get_lender)]
