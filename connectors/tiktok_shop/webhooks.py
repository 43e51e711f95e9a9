"""TikTok Shop webhooks: signature check (reference 9) and the notification envelope.

Signature: ``Authorization`` header = hex(HMAC-SHA256(app_secret, app_key + raw body)), over
the raw bytes as received (verify before parsing). Webhooks only hint that something changed;
the connector still polls, so a missed or duplicated notification loses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from connectors.core.errors import BadRecord
from connectors.core.timestamps import from_unix


class WebhookType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    REVERSE_ORDER_STATUS_UPDATE = 2
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12
    CREATOR_DEAUTHORIZATION = 20


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The expected ``Authorization`` header value for ``raw_body``."""
    message = app_key.encode() + raw_body
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    app_key: str, app_secret: str, raw_body: bytes, authorization_header: str
) -> bool:
    """True when the header is the body's signature (constant-time comparison)."""
    if not authorization_header:
        return False
    given = authorization_header.strip().lower().encode()
    expected = webhook_signature(app_key, app_secret, raw_body).encode()
    return hmac.compare_digest(given, expected)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A parsed notification. ``data`` is the platform's payload for the type, as sent."""

    type: int
    notification_id: str
    shop_id: str
    timestamp: datetime
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def known_type(self) -> WebhookType | None:
        try:
            return WebhookType(self.type)
        except ValueError:
            return None


def parse_webhook(raw_body: bytes) -> WebhookEvent:
    """Parse a (verified) webhook body; ``BadRecord`` if it isn't the documented envelope."""
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRecord("webhook body is not JSON") from exc
    if not isinstance(body, Mapping):
        raise BadRecord("webhook body is not an object")
    kind = body.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise BadRecord("webhook type is not an int")
    notification_id = body.get("tts_notification_id")
    if not isinstance(notification_id, str | int) or notification_id == "":
        raise BadRecord("webhook has no tts_notification_id")
    shop_id = body.get("shop_id")
    data = body.get("data") or {}
    if not isinstance(data, Mapping):
        raise BadRecord("webhook data is not an object")
    return WebhookEvent(
        type=kind,
        notification_id=str(notification_id),
        shop_id="" if shop_id is None else str(shop_id),
        timestamp=from_unix(body.get("timestamp")),  # type: ignore[arg-type]
        data=data,
    )
