"""Verifying a delivery on the lender's side: copy this file into your receiver.

It needs only the Python standard library (save it as ``creditscore_verify.py``). Call
`verify` with the raw request body (the bytes as received, before any JSON parsing), the
``Creditscore-Signature`` header and your endpoint's secret; it raises `InvalidSignature`
unless one of the header's ``v1`` signatures matches and its timestamp is within
``tolerance_s`` of your clock. Then deduplicate by the ``Creditscore-Event-Id`` header (or the
body's ``id``): a delivery may arrive more than once.

    from creditscore_verify import verify, InvalidSignature

    try:
        verify(request.body, request.headers["Creditscore-Signature"], SECRET)
    except (KeyError, InvalidSignature):
        return 400
    if already_processed(request.headers["Creditscore-Event-Id"]):
        return 200
    ...
"""

from __future__ import annotations

import hashlib
import hmac
import time

DEFAULT_TOLERANCE_S = 300


class InvalidSignature(Exception):
    """The delivery is not from creditscore, was altered, or is too old (a replay)."""


def verify(
    body: bytes,
    header: str,
    secret: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a delivery's signature and freshness; the signed timestamp (unix seconds)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and timestamp is None:
            timestamp = int(value)
        elif key == "v1" and value.isascii() and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("the signature header has no timestamp or no v1 signature")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise InvalidSignature("the signature's timestamp is outside the tolerance window")
    expected = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    # compare_digest for every candidate: the time taken tells nothing about the expected value.
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise InvalidSignature("no signature matches this secret and body")
    return timestamp
