"""What a signed Shopify delivery's envelope must look like before it is parsed or recorded.

The HMAC proves who sent the body, not that the headers around it are sane: Shopify sends JSON,
each header once, ids of a few dozen characters. Anything else is refused with a 4xx and the
reason, before the inbox is touched, so the delivery's id stays free for a well-formed retry.
Limits follow the inbox columns (`WebhookEvent`), so nothing is cut or refused by the database.
"""

from __future__ import annotations

from starlette.datastructures import Headers

from app.kit.errors import AppError

# Header (without the X-Shopify- / Shopify- prefix) → longest accepted value.
MAX_CHARS = {
    "topic": 64,
    "webhook-id": 128,
    "event-id": 128,
    "shop-domain": 255,
    "api-version": 32,
    "triggered-at": 64,
    "hmac-sha256": 128,
}


class BadEnvelope(AppError):
    status_code = 400
    code = "invalid_webhook"


class NotJson(AppError):
    status_code = 415
    code = "unsupported_media_type"


def check_envelope(headers: Headers) -> None:
    """Raise `BadEnvelope` (400) or `NotJson` (415) for a delivery Shopify would not send."""
    seen: set[str] = set()
    for raw_name, _ in headers.raw:
        name = raw_name.decode("latin-1").lower()
        # Per exact name: whether the Events product's un-prefixed headers may come beside the
        # X-Shopify- ones is not documented, so that pair is not refused.
        if not name.startswith(("x-shopify-", "shopify-")):
            continue
        if name in seen:
            raise BadEnvelope(f"header {name} is sent more than once")
        seen.add(name)
    for name, value in headers.items():
        short = name.removeprefix("x-shopify-").removeprefix("shopify-")
        if short == name or short not in MAX_CHARS:
            continue
        if len(value) > MAX_CHARS[short]:
            raise BadEnvelope(f"header {name} is over {MAX_CHARS[short]} characters")
        if not value.isprintable() or not value.isascii():
            raise BadEnvelope(f"header {name} holds characters other than printable ASCII")
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise NotJson("a Shopify webhook body is JSON: send Content-Type: application/json")
