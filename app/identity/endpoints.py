"""Sign-In with Ethereum endpoints: get a nonce, send the signed message, get a session.

The session is the one the development sign-in issues (token and cookie), so everything behind
`CurrentBorrower` works unchanged for a wallet borrower.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.borrowers.service import get_or_create
from app.config import Settings
from app.deps import ContextDep, SessionDep, start_session
from app.identity import nonces, siwe
from app.identity.ratelimit import SignInRateLimit
from app.kit.errors import error_responses

router = APIRouter(tags=["identity"])


class NonceOut(BaseModel):
    nonce: str
    expires_at: datetime
    domain: str
    chain_ids: list[int]


class SiweVerifyIn(BaseModel):
    message: str = Field(min_length=1, max_length=4096)
    signature: str = Field(min_length=1, max_length=600)


class SessionOut(BaseModel):
    borrower_id: str
    session_token: str


def siwe_domain(settings: Settings) -> str:
    return settings.identity.siwe_domain or urlsplit(settings.public_base_url).netloc


@router.post(
    "/api/siwe/nonce",
    response_model=NonceOut,
    dependencies=[SignInRateLimit],
    responses=error_responses(429),
)
async def siwe_nonce(context: ContextDep, session: SessionDep) -> NonceOut:
    """A single-use nonce to put in the EIP-4361 message the wallet signs."""
    identity = context.settings.identity
    issued = await nonces.issue(session, context.clock(), identity.siwe_nonce_ttl_s)
    return NonceOut(
        nonce=issued.nonce,
        expires_at=issued.expires_at,
        domain=siwe_domain(context.settings),
        chain_ids=identity.siwe_chain_ids,
    )


@router.post(
    "/api/siwe/verify",
    response_model=SessionOut,
    dependencies=[SignInRateLimit],
    responses=error_responses(400, 401, 429),
)
async def siwe_verify(
    body: SiweVerifyIn, response: Response, context: ContextDep, session: SessionDep
) -> SessionOut:
    """Sign in with a signed EIP-4361 message; returns a session token and sets the cookie."""
    now = context.clock()
    wallet = siwe.verify(
        body.message,
        body.signature,
        domain=siwe_domain(context.settings),
        chain_ids=context.settings.identity.siwe_chain_ids,
        now=now,
    )
    # Only a proven signature spends the nonce.
    await nonces.consume(session, wallet.nonce, now)
    borrower = await get_or_create(session, f"siwe:{wallet.address}", wallet.address)
    token = start_session(response, context, borrower.id)
    return SessionOut(borrower_id=borrower.id, session_token=token)
