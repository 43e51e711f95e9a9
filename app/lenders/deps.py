"""The lender behind a request: an API key in ``Authorization: Bearer``, with its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

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
            raise Forbidden(f"this API key lacks the {scope} scope")


async def get_lender(request: Request, session: SessionDep) -> LenderPrincipalData:
    token = bearer_token(request)
    if not token:
        raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
    key = await authenticate(session, token)
    if key is None:
        # Guessing keys costs attempts: failures count per client, like sign-ins, and past the
        # limit the answer is 429 whatever the key (successful reads never count).
        client = request.client.host if request.client else "unknown"
        limiter_of(request.app, request.app.state.context.settings).hit("api-key-failures", client)
        raise NotAuthenticated("this API key is invalid or revoked")
    return LenderPrincipalData(lender_id=key.lender_id, key_id=key.id, scopes=frozenset(key.scopes))


LenderPrincipal = Annotated[LenderPrincipalData, Depends(get_lender)]
