"""Endpoint signing secrets at rest: AES-GCM envelopes bound to the endpoint row and column.

A secret is needed in clear to sign, so it cannot be hashed like an API key; it is decrypted
only in the worker that signs, and only shown to the lender when created or rotated.
"""

from __future__ import annotations

from datetime import datetime

from app.kit.crypto import Keyring, secret_aad
from app.models import LenderWebhookEndpoint

TABLE = LenderWebhookEndpoint.__tablename__


def seal(keyring: Keyring, endpoint: LenderWebhookEndpoint, secret: str, column: str) -> str:
    return keyring.encrypt(secret, secret_aad(TABLE, endpoint.id, column))


def endpoint_secrets(
    keyring: Keyring, endpoint: LenderWebhookEndpoint, now: datetime
) -> tuple[str, ...]:
    """The secrets a delivery is signed with now: the current one, and the previous one while
    its grace period after a rotation lasts."""
    current = keyring.decrypt(endpoint.secret_enc, secret_aad(TABLE, endpoint.id, "secret"))
    previous = endpoint.previous_secret_enc
    expires = endpoint.previous_secret_expires_at
    if previous is None or expires is None or expires <= now:
        return (current,)
    return (
        current,
        keyring.decrypt(previous, secret_aad(TABLE, endpoint.id, "previous_secret")),
    )
