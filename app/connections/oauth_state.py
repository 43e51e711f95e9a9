"""OAuth state: a signed token naming a stored nonce, bound to one borrower, 10 minutes, used once.

The signature stops forgery and tampering, the nonce row stops replay (it is consumed with a
conditional UPDATE, so two concurrent callbacks cannot both win), and the borrower binding stops
a state minted for one borrower from connecting a shop to another.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.errors import AppError
from app.kit.signed import OAUTH_STATE, InvalidToken, Signer
from app.models import OAuthState
from app.models.base import utcnow

STATE_TTL = timedelta(minutes=10)


class StateRejected(AppError):
    code = "invalid_state"


async def issue_state(
    session: AsyncSession,
    signer: Signer,
    borrower_id: str,
    platform: str,
    *,
    account: str | None = None,
) -> str:
    """A state for one authorization attempt; ``account`` (e.g. the Shopify shop the borrower
    named) is bound too, so a callback for another account is refused."""
    nonce = secrets.token_urlsafe(24)
    now = utcnow()
    session.add(
        OAuthState(
            nonce=nonce,
            borrower_id=borrower_id,
            platform=platform,
            created_at=now,
            expires_at=now + STATE_TTL,
        )
    )
    await session.flush()
    return signer.dumps({"n": nonce, "b": borrower_id, "p": platform, "a": account}, OAUTH_STATE)


async def consume_state(
    session: AsyncSession,
    signer: Signer,
    state: str,
    *,
    borrower_id: str,
    platform: str,
    account: str | None = None,
) -> None:
    """Accept ``state`` once, for the borrower, platform and account it was issued to."""
    payload = _payload(signer, state)
    if payload.get("b") != borrower_id or payload.get("p") != platform:
        raise StateRejected("this authorization was started by another session: start again")
    if payload.get("a") != account:
        raise StateRejected("this authorization was started for another account: start again")
    consumed = await session.execute(
        update(OAuthState)
        .where(
            OAuthState.nonce == payload.get("n"),
            OAuthState.borrower_id == borrower_id,
            OAuthState.platform == platform,
            OAuthState.used_at.is_(None),
            OAuthState.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .returning(OAuthState.nonce)
    )
    if consumed.scalar_one_or_none() is None:
        raise StateRejected("this authorization was already used or has expired: start again")


def state_account(signer: Signer, state: str) -> str | None:
    """The account a (validly signed, unexpired) state was issued for, before consuming it;
    ``consume_state`` still checks everything."""
    account = _payload(signer, state).get("a")
    return str(account) if account is not None else None


def _payload(signer: Signer, state: str) -> dict[str, Any]:
    try:
        payload = signer.loads(state, OAUTH_STATE, int(STATE_TTL.total_seconds()))
    except InvalidToken as exc:
        raise StateRejected(f"the authorization request is invalid ({exc}): start again") from None
    if not isinstance(payload, dict):
        raise StateRejected("the authorization request is invalid: start again")
    return payload
