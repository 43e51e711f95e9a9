"""Sign-In with Ethereum from the sign-in page: the server writes the EIP-4361 message.

A browser wallet hands out a lowercase address, and EIP-4361 wants it EIP-55 checksummed
(a Keccak hash the browser has no function for), so the page asks here for the message to sign:
a fresh single-use nonce from the SIWE nonce endpoint, this site's domain and an accepted chain.
The signed message then goes to `POST /api/siwe/verify`, which proves it and sets the session.
"""

from __future__ import annotations

from typing import Annotated

from eth_utils.address import is_hex_address, to_checksum_address
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from siwe import SiweMessage

from app.deps import ContextDep, SessionDep
from app.identity.endpoints import siwe_nonce
from app.identity.ratelimit import SignInRateLimit
from app.kit.errors import AppError, error_responses
from app.web.render import check_origin

router = APIRouter(include_in_schema=False)
STATEMENT = "Sign in to creditscore."


class WalletIn(BaseModel):
    address: Annotated[str, Field(max_length=42)]
    chainId: Annotated[int, Field(ge=1, le=2**53)]


class MessageOut(BaseModel):
    message: str


class WrongChain(AppError):
    status_code = 422
    code = "wrong_chain"


class NotAnAddress(AppError):
    status_code = 422
    code = "invalid_address"


@router.post(
    "/sign-in/wallet/message",
    response_model=MessageOut,
    dependencies=[SignInRateLimit],
    responses=error_responses(403, 422, 429),
)
async def wallet_message(
    body: WalletIn, request: Request, context: ContextDep, session: SessionDep
) -> MessageOut:
    """The message the wallet signs: this site, the wallet's address, a fresh nonce."""
    check_origin(request, context)
    if not is_hex_address(body.address):
        raise NotAnAddress("the wallet gave no Ethereum address")
    issued = await siwe_nonce(context, session)
    if body.chainId not in issued.chain_ids:
        accepted = ", ".join(str(chain) for chain in issued.chain_ids)
        raise WrongChain(f"switch your wallet to an accepted network (chain id {accepted})")
    base = context.settings.public_base_url.rstrip("/")
    message = SiweMessage(
        domain=issued.domain,
        address=to_checksum_address(body.address),
        statement=STATEMENT,
        uri=f"{base}/sign-in",
        version="1",
        chain_id=body.chainId,
        nonce=issued.nonce,
        issued_at=context.clock().isoformat().replace("+00:00", "Z"),
        expiration_time=issued.expires_at.isoformat().replace("+00:00", "Z"),
    )
    return MessageOut(message=message.prepare_message())
