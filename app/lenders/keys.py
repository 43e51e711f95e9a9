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

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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


def key_hash(key: str) -> str:
    """What is stored of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(presented: str) -> str | None:
    """The public prefix of a presented key, or None if it is not shaped like one of ours."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    return parts[1]


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
        key_hash=key_hash(plaintext),
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


# Built once: every lender API request runs these.
_BY_PREFIX = select(
    LenderApiKey.id,
    LenderApiKey.lender_id,
    LenderApiKey.key_hash,
    LenderApiKey.scopes,
    LenderApiKey.revoked_at,
    LenderApiKey.expires_at,
    LenderApiKey.last_used_at,
).where(LenderApiKey.prefix == bindparam("prefix"))
_TOUCH = (
    update(LenderApiKey)
    .where(
        LenderApiKey.id == bindparam("key_id"),
        or_(
            LenderApiKey.last_used_at.is_(None),
            LenderApiKey.last_used_at <= bindparam("cutoff"),
        ),
    )
    .values(last_used_at=bindparam("now"))
)


@dataclass(frozen=True)
class ActiveKey:
    """What a request learns from an API key that is valid now."""

    id: str
    lender_id: str
    scopes: frozenset[str]


async def authenticate(connection: AsyncConnection, presented: str) -> ActiveKey | None:
    """The active key matching ``presented``, or None; never says which part was wrong.

    Read from the database on every request, so a revoked or expired key fails at once. The
    columns are selected without loading an ORM object: every lender API request comes here.
    """
    prefix = key_prefix(presented)
    if prefix is None:
        return None
    row = (await connection.execute(_BY_PREFIX, {"prefix": prefix})).first()
    if row is None or not hmac.compare_digest(row.key_hash, key_hash(presented)):
        return None
    now = utcnow()
    if row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so requests that saw the same stale value write it once between them.
        cutoff = now - LAST_USED_RESOLUTION
        await connection.execute(_TOUCH, {"key_id": row.id, "now": now, "cutoff": cutoff})
    return ActiveKey(id=row.id, lender_id=row.lender_id, scopes=frozenset(row.scopes))


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
