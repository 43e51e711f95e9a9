"""Request and webhook signatures, written from the reference (sections 1.2 and 9).

This is deliberately a separate implementation from the connector's signer: the emulator must
catch a connector that signs the wrong bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

EXCLUDED_QUERY_KEYS = frozenset({"sign", "access_token"})


def _is_multipart(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "multipart/form-data"


def string_to_sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes,
    content_type: str | None,
) -> bytes:
    """The wrapped message: secret + path + sorted key+value pairs (+ raw body) + secret.

    Keys with an empty value stay in (reference 1.3: the official rule); values are decoded.
    """
    pairs = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in EXCLUDED_QUERY_KEYS)
    message = (path + pairs).encode()
    if body and not _is_multipart(content_type):
        message += body
    secret = app_secret.encode()
    return secret + message + secret


def expected_sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
) -> str:
    """Lower-case hex HMAC-SHA256 (key = app_secret) that a request to ``path`` must carry.

    ``path`` is the platform path relative to the API base (``/order/202309/orders/search``).
    """
    message = string_to_sign(app_secret, path, query, body, content_type)
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def sign_matches(expected: str, given: str) -> bool:
    """Constant-time comparison; only lower-case hex is accepted (upper-case is unknown, 1.2)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def sign_webhook(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The ``Authorization`` header of a webhook: hex HMAC-SHA256(app_secret, app_key + body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()
