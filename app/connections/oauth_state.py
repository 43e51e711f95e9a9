"""OAuth state: a signed token naming a stored nonce, bound to one borrower, 10 minutes, used once.

The signature stops forgery and tampering, the nonce row stops replay (it is consumed with a
conditional UPDATE, so two concurrent callbacks cannot both win), and the borrower binding stops
a state minted for one borrower from connecting a shop to another.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

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
    session: AsyncSession, signer: Signer, borrower_id: str, platform: str
) -> str:
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
    return signer.dumps({"n": nonce, "b": borrower_id, "p": platform}, OAUTH_STATE)


async def consume_state(
    session: AsyncSession, signer: Signer, state: str, *, borrower_id: str, platform: str
) -> None:
    """Accept ``state`` once, for the borrower and platform it was issued to, or raise."""
    try:
        payload = signer.loads(state, OAUTH_STATE, int(STATE_TTL.total_seconds()))
    except InvalidToken as exc:
        raise StateRejected(f"the authorization request is invalid ({exc}): start again") from None
    if payload.get("b") != borrower_id or payload.get("p") != platform:
        raise StateRejected("this authorization was started by another session: start again")
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
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        raise StateRejected("this authorization was already used or has expired: start again")
