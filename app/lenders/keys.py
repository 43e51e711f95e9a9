"""Lender API keys: random, prefixed for recognition, stored as SHA-256, shown once.

A key is ``csk_<prefix>_<secret>`` with 256 bits of secret; a plain SHA-256 is enough to store
it (nothing to brute-force in a random 256-bit value), and the lookup goes by the public prefix
with a constant-time comparison of the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.models import Lender, LenderApiKey
from app.models.base import utcnow

KEY_PREFIX = "csk"
DEFAULT_SCOPES = ("scores:read",)
ALL_SCOPES = ("scores:read", "reports:read", "webhooks:manage")
# How fresh `last_used_at` is kept. Writing it on every request made every read of a key queue
# on that key's row lock (PostgreSQL) or the write lock (SQLite): one key, one request at a time.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    lender_id: str
    prefix: str
    plaintext: str  # shown once, never stored

    def __repr__(self) -> str:
        return f"IssuedKey(key_id={self.key_id!r}, prefix={self.prefix!r}, plaintext=***)"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_lender(session: AsyncSession, name: str) -> Lender:
    lender = Lender(name=name)
    session.add(lender)
    await session.flush()
    return lender


async def issue_key(
    session: AsyncSession,
    lender: Lender,
    name: str = "",
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    expires_at: datetime | None = None,
) -> IssuedKey:
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = LenderApiKey(
        lender_id=lender.id,
        name=name,
        prefix=prefix,
        key_hash=_hash(plaintext),
        scopes=list(scopes),
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    _audit(session, "key.create", key.id, lender.id, prefix, scopes=list(scopes))
    return IssuedKey(key_id=key.id, lender_id=lender.id, prefix=prefix, plaintext=plaintext)


async def revoke_key(session: AsyncSession, key_id: str) -> bool:
    key = await session.get(LenderApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    _audit(session, "key.revoke", key.id, key.lender_id, key.prefix)
    return True


async def rotate_key(session: AsyncSession, key_id: str) -> IssuedKey | None:
    """A new key with the old one's lender, name and scopes; the old one stops working now."""
    old = await session.get(LenderApiKey, key_id)
    if old is None or old.revoked_at is not None:
        return None
    lender = await session.get(Lender, old.lender_id)
    if lender is None:
        return None
    await revoke_key(session, key_id)
    issued = await issue_key(session, lender, old.name, tuple(old.scopes))
    _audit(session, "key.rotate", issued.key_id, lender.id, issued.prefix, replaces=key_id)
    return issued


async def authenticate(session: AsyncSession, presented: str) -> LenderApiKey | None:
    """The active key matching ``presented``, or None; never says which part was wrong."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = await session.scalar(select(LenderApiKey).where(LenderApiKey.prefix == parts[1]))
    if key is None or not hmac.compare_digest(key.key_hash, _hash(presented)):
        return None
    if key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= utcnow():
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def _audit(
    session: AsyncSession, action: str, key_id: str, lender_id: str, prefix: str, **details: Any
) -> None:
    """Key events are the operator's (the CLI); the key is named by id and public prefix."""
    audit.record(
        session,
        actor_type="operator",
        actor_id=None,
        action=action,
        target_id=key_id,
        lender_id=lender_id,
        prefix=prefix,
        **details,
    )
