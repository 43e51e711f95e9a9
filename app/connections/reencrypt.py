"""Key rotation for secrets at rest: re-encrypt every connection's tokens under the newest key.

Batched (one transaction per batch) and resumable: a row already under the newest key is not
touched again, so the command can be stopped and rerun. A secret under a key that is no longer
configured is reported as an error for that row and skipped, never a crash loop.
"""

from __future__ import annotations

from collections import Counter

import structlog
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.connections.token_crypto import read_tokens, write_tokens
from app.db import transaction
from app.kit.crypto import DecryptionError, Keyring
from app.models import BusinessConnection

log = structlog.get_logger(__name__)


def _stale(keyring: Keyring) -> ColumnElement[bool]:
    prefix = f"v1:{keyring.primary_id}:%"
    return or_(
        BusinessConnection.access_token_enc.not_like(prefix),
        BusinessConnection.refresh_token_enc.not_like(prefix),
    )


async def reencrypt_all(
    sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 200
) -> tuple[int, dict[str, int]]:
    """(rows re-encrypted, {key id: rows still using it}) after one full pass."""
    done = 0
    failed: set[str] = set()
    while True:
        conditions = [BusinessConnection.access_token_enc.is_not(None), _stale(keyring)]
        if failed:
            conditions.append(BusinessConnection.id.not_in(failed))
        async with transaction(sessions) as session:
            rows = list(
                await session.scalars(
                    select(BusinessConnection)
                    .where(*conditions)
                    .order_by(BusinessConnection.id)
                    .limit(batch)
                )
            )
            if not rows:
                break
            for row in rows:
                try:
                    write_tokens(keyring, row, read_tokens(keyring, row))
                    done += 1
                except DecryptionError as exc:
                    failed.add(row.id)
                    log.error("reencrypt_failed", connection_id=row.id, reason=str(exc))
    async with transaction(sessions) as session:
        envelopes = (
            await session.execute(
                select(BusinessConnection.access_token_enc, BusinessConnection.refresh_token_enc)
            )
        ).all()
    left = Counter(
        keyring.key_id_of(envelope)
        for pair in envelopes
        for envelope in pair
        if envelope and keyring.key_id_of(envelope) != keyring.primary_id
    )
    return done, dict(left)
