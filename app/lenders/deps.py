"""The lender behind a request: an API key in ``Authorization: Bearer``, with its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.deps import ConnectionDep, SessionDep, bearer_token
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
            raise Forbidden(f"this API key lacks the {scope} scope")


async def lender_of(request: Request, connection: AsyncConnection) -> LenderPrincipalData:
    """The lender whose API key the request carries, checked on ``connection`` now."""
    token = bearer_token(request)
    if not token:
        raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
    key = await authenticate(connection, token)
    if key is None:
        # Guessing keys costs attempts: failures count per client, like sign-ins, and past the
        # limit the answer is 429 whatever the key (successful reads never count).
        client = request.client.host if request.client else "unknown"
        limiter = limiter_of(request.app, request.app.state.context.settings)
        await limiter.hit_async("api-key-failures", client)
        raise NotAuthenticated("this API key is invalid or revoked")
    return LenderPrincipalData(lender_id=key.lender_id, key_id=key.id, scopes=key.scopes)


async def get_lender(request: Request, session: SessionDep) -> LenderPrincipalData:
    return await lender_of(request, await session.connection())


async def get_lender_on_connection(
    request: Request, connection: ConnectionDep
) -> LenderPrincipalData:
    return await lender_of(request, connection)


# For endpoints on `SessionDep`, and for Core-only endpoints on `ConnectionDep`: either way the
# key is checked in the request's own transaction.
LenderPrincipal = Annotated[LenderPrincipalData, Depends(get_lender)]
ConnectionLenderPrincipal = Annotated[LenderPrincipalData, Depends(get_lender_on_connection)]
