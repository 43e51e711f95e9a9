"""Key rotation for endpoint signing secrets: re-encrypt them under the newest key.

Run by ``creditscore keys rotate-encryption`` beside the connections' tokens: batched, resumable
(an endpoint already under the newest key is not touched), and a secret under a key that is no
longer configured is reported for that endpoint and skipped. Until every secret is under the
newest key the older keys must stay configured, or deliveries to those endpoints cannot be signed.
"""

from __future__ import annotations

from collections import Counter

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import transaction
from app.kit.crypto import DecryptionError, Keyring, secret_aad
from app.lender_webhooks.secrets import TABLE, seal
from app.models import LenderWebhookEndpoint

log = structlog.get_logger(__name__)
COLUMNS = (("secret_enc", "secret"), ("previous_secret_enc", "previous_secret"))


async def reencrypt_endpoint_secrets(
    sessions: async_sessionmaker[AsyncSession], keyring: Keyring, batch: int = 200
) -> tuple[int, dict[str, int]]:
    """(endpoints re-encrypted, {key id: secrets still using it}) after one full pass."""
    prefix = f"v1:{keyring.primary_id}:%"
    done = 0
    failed: set[str] = set()
    while True:
        conditions = [
            or_(
                LenderWebhookEndpoint.secret_enc.not_like(prefix),
                LenderWebhookEndpoint.previous_secret_enc.not_like(prefix),
            )
        ]
        if failed:
            conditions.append(LenderWebhookEndpoint.id.not_in(failed))
        async with transaction(sessions) as session:
            rows = list(
                await session.scalars(
                    select(LenderWebhookEndpoint)
                    .where(*conditions)
                    .order_by(LenderWebhookEndpoint.id)
                    .limit(batch)
                )
            )
            if not rows:
                break
            for row in rows:
                try:
                    for attribute, column in COLUMNS:
                        envelope = getattr(row, attribute)
                        if envelope is None:
                            continue
                        plain = keyring.decrypt(envelope, secret_aad(TABLE, row.id, column))
                        setattr(row, attribute, seal(keyring, row, plain, column))
                    done += 1
                except DecryptionError as exc:
                    failed.add(row.id)
                    log.error("reencrypt_failed", endpoint_id=row.id, reason=str(exc))
    async with transaction(sessions) as session:
        envelopes = (
            await session.execute(
                select(LenderWebhookEndpoint.secret_enc, LenderWebhookEndpoint.previous_secret_enc)
            )
        ).all()
    left = Counter(
        keyring.key_id_of(envelope)
        for pair in envelopes
        for envelope in pair
        if envelope and keyring.key_id_of(envelope) != keyring.primary_id
    )
    return done, dict(left)
