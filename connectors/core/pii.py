"""The one place buyer identities are turned into pseudonymous references, and text redacted.

Canonical records have no field for names, emails, phones or addresses; a buyer is only a
``buyer_ref`` computed here, stable within one shop and meaningless outside it.
"""

from __future__ import annotations

import hashlib
import logging
import re

REF_LENGTH = 32
"""Hex characters kept of the sha256 (128 bits): collisions are irrelevant at shop scale."""


def pseudonymous_ref(shop_id: str, buyer_id: str) -> str:
    """Truncated sha256 hex of ``shop_id`` and ``buyer_id`` (length-prefixed: no pair collides)."""
    material = f"{len(shop_id)}:{shop_id}|{buyer_id}".encode()
    return hashlib.sha256(material).hexdigest()[:REF_LENGTH]


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every non-empty secret replaced by ``***`` (for platform error messages)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


_SECRET_QUERY = re.compile(
    r"(?i)\b(app_secret|client_secret|refresh_token|access_token|auth_code|spapi_oauth_code"
    r"|code|hmac|sign)=([^&\s\"']+)"
)


def redact_query_secrets(text: str) -> str:
    """``text`` with the values of secret-bearing query parameters replaced by ``***``."""
    return _SECRET_QUERY.sub(r"\1=***", text)


class RedactQuerySecrets(logging.Filter):
    """Logging filter: httpx logs full request URLs, and token calls carry secrets in the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_query_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_httpx_log_redaction() -> None:
    """Attach ``RedactQuerySecrets`` to the ``httpx`` logger once (idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
        logger.addFilter(RedactQuerySecrets())
