"""Signing deliveries: per-endpoint secrets and the ``Creditscore-Signature`` header.

The signature is HMAC-SHA256, keyed with the endpoint's secret (the whole ``whsec_…`` text, as
UTF-8), over ``"{timestamp}.{body}"``: the timestamp is signed with the body, so a captured
delivery cannot be replayed later with a fresh timestamp. The header lists the timestamp and one
``v1=`` signature per active secret (two while a rotated secret is still honoured), as Stripe
does: ``t=1700000000,v1=5257a8…,v1=9f3c…``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SIGNATURE_HEADER = "Creditscore-Signature"
EVENT_ID_HEADER = "Creditscore-Event-Id"
EVENT_TYPE_HEADER = "Creditscore-Event-Type"
SCHEME = "v1"


def new_secret() -> str:
    """A new signing secret: 256 random bits, prefixed so it is recognisable in a vault."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}.{body}"`` under ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets_: Iterable[str], timestamp: int, body: bytes) -> str:
    """The ``Creditscore-Signature`` value: the timestamp, then a ``v1=`` per secret."""
    parts = [f"t={timestamp}"]
    parts.extend(f"{SCHEME}={signature(secret, timestamp, body)}" for secret in secrets_)
    if len(parts) == 1:
        raise ValueError("a delivery needs at least one secret to be signed with")
    return ",".join(parts)
