"""Shopify webhooks: signature check, the delivery envelope, and order payloads → records.

``X-Shopify-Hmac-Sha256`` is base64(HMAC-SHA256(client secret, raw body)) over the exact bytes
received (reference 5): verify before parsing, in constant time; during a secret rotation the
previous secret is tried too. The shop-domain and topic headers are not signed: the shop is a
routing hint, checked against the ``*.myshopify.com`` rule. Duplicates are the app's to drop:
``webhook_id`` is stable across retries of one delivery, ``event_id`` across subscriptions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.core.errors import BadRecord
from connectors.core.records import Record
from connectors.core.timestamps import from_iso8601
from connectors.shopify.errors import InvalidShopDomain, InvalidWebhook
from connectors.shopify.rest import records_from_rest_order, refund_from_rest
from connectors.shopify.shop_domain import normalize_shop_domain

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/edited",
    }
)
REFUND_TOPICS = frozenset({"refunds/create"})
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
UNINSTALLED_TOPIC = "app/uninstalled"

_REQUIRED = ("topic", "shop-domain", "webhook-id", "api-version")


def webhook_hmac(client_secret: str, raw_body: bytes) -> str:
    """The expected ``X-Shopify-Hmac-Sha256`` value for ``raw_body``."""
    digest = hmac.new(client_secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_webhook(
    client_secret: str,
    raw_body: bytes,
    hmac_header: str | None,
    *,
    previous_secret: str | None = None,
) -> bool:
    """True when the header signs ``raw_body`` under the secret (or the previous one)."""
    if not hmac_header:
        return False
    given = hmac_header.strip().encode()
    ok = hmac.compare_digest(given, webhook_hmac(client_secret, raw_body).encode())
    if previous_secret:
        ok |= hmac.compare_digest(given, webhook_hmac(previous_secret, raw_body).encode())
    return ok


@dataclass(frozen=True, slots=True)
class ShopifyWebhook:
    """A verified delivery. ``payload`` is the JSON body as sent (it may hold PII: don't store)."""

    topic: str
    shop_domain: str
    webhook_id: str
    event_id: str | None
    triggered_at: datetime | None
    api_version: str
    payload: Mapping[str, Any] = field(repr=False)


def parse_webhook(headers: Mapping[str, str], raw_body: bytes) -> ShopifyWebhook:
    """Parse a delivery (after ``verify_webhook``). Header names are case-insensitive; the
    un-prefixed ``Shopify-*`` names of the newer Events product are accepted too.

    Raises ``InvalidWebhook`` when a required header (topic, shop domain, webhook id, API
    version) is missing, the shop is not a ``*.myshopify.com`` domain, or the body is not a
    JSON object.
    """
    lowered = {k.lower(): v for k, v in headers.items()}

    def header(name: str) -> str | None:
        value = lowered.get(f"x-shopify-{name}", lowered.get(f"shopify-{name}"))
        return value.strip() if isinstance(value, str) and value.strip() else None

    missing = [f"X-Shopify-{n.title()}" for n in _REQUIRED if header(n) is None]
    if missing:
        raise InvalidWebhook(f"webhook lacks header(s) {', '.join(missing)}")
    try:
        shop = normalize_shop_domain(header("shop-domain") or "")
    except InvalidShopDomain as exc:
        raise InvalidWebhook("X-Shopify-Shop-Domain is not a *.myshopify.com domain") from exc
    triggered = header("triggered-at")
    try:
        triggered_at = from_iso8601(triggered) if triggered else None
    except BadRecord as exc:
        raise InvalidWebhook("X-Shopify-Triggered-At is not an ISO 8601 time") from exc
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidWebhook("webhook body is not JSON") from exc
    if not isinstance(payload, Mapping):
        raise InvalidWebhook("webhook body is not a JSON object")
    return ShopifyWebhook(
        topic=(header("topic") or "").lower(),
        shop_domain=shop,
        webhook_id=header("webhook-id") or "",
        event_id=header("event-id"),
        triggered_at=triggered_at,
        api_version=header("api-version") or "",
        payload=payload,
    )


def records_from_webhook(webhook: ShopifyWebhook, *, currency: str | None = None) -> list[Record]:
    """The records an ``orders/*`` or ``refunds/create`` delivery carries ([] for other topics
    and for test orders). A refund payload has no shop currency: pass the connection's
    ``currency``. Raises ``BadRecord`` (reason without values) if the payload can't be mapped.
    """
    if webhook.topic in ORDER_TOPICS:
        return records_from_rest_order(webhook.payload, webhook.shop_domain)
    if webhook.topic in REFUND_TOPICS:
        if currency is None:
            raise ValueError("a refunds/create payload needs the shop's currency")
        return [refund_from_rest(webhook.payload, webhook.shop_domain, currency)]
    return []
