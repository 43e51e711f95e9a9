"""Shopify's two signatures: the hex HMAC over the OAuth callback query (reference 1.5) and the
base64 HMAC over a webhook's raw body (reference 5). Both are keyed with the app's client secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode


def query_message(params: Mapping[str, str]) -> str:
    """``k=v`` pairs sorted by key, ``hmac`` and ``signature`` removed, joined by ``&``.

    Form-encoded (the Ruby/JS style, reference 1.5). The sandbox only emits values that URL
    encoding leaves alone (hex code, hostname, digits, unpadded base64 host), so the raw style of
    the Python library gives the same digest; only a caller's unusual ``state`` could differ.
    """
    pairs = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    return urlencode(pairs)


def query_hmac(secret: str, params: Mapping[str, str]) -> str:
    message = query_message(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
