"""SIWE nonces: issued with a lifetime, consumed at most once (one conditional UPDATE)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.errors import NotAuthenticated
from app.models import SiweNonce

# Expired nonces are kept a while so a late attempt still gets "expired", not "unknown".
KEEP_EXPIRED = timedelta(days=1)


async def issue(session: AsyncSession, now: datetime, ttl_s: int) -> SiweNonce:
    await session.execute(delete(SiweNonce).where(SiweNonce.expires_at < now - KEEP_EXPIRED))
    # 32 hex characters: EIP-4361 wants at least 8 alphanumerics.
    nonce = SiweNonce(
        nonce=secrets.token_hex(16), created_at=now, expires_at=now + timedelta(seconds=ttl_s)
    )
    session.add(nonce)
    await session.flush()
    return nonce


async def consume(session: AsyncSession, nonce: str, now: datetime) -> None:
    """Mark ``nonce`` used; raises `NotAuthenticated` if it is unknown, expired or already used."""
    consumed = await session.scalar(
        update(SiweNonce)
        .where(
            SiweNonce.nonce == nonce,
            SiweNonce.used_at.is_(None),
            SiweNonce.expires_at > now,
        )
        .values(used_at=now)
        .returning(SiweNonce.nonce)
    )
    if consumed is not None:
        return
    row = await session.scalar(select(SiweNonce).where(SiweNonce.nonce == nonce))
    if row is None:
        raise NotAuthenticated("this sign-in nonce was not issued here: request a new one")
    if row.used_at is not None:
        raise NotAuthenticated("this sign-in nonce was already used: request a new one")
    raise NotAuthenticated("this sign-in nonce has expired: request a new one")
