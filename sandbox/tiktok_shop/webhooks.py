"""Sample webhook deliveries (reference 9), signed the way TikTok signs them."""

from __future__ import annotations

import json
import random
from typing import Any

from sandbox.personas import digits
from sandbox.tiktok_shop.dataset import Dataset
from sandbox.tiktok_shop.signing import sign_webhook

ORDER_STATUS_CHANGE = 1
SELLER_DEAUTHORIZATION = 6
SUPPORTED_TYPES = (ORDER_STATUS_CHANGE, SELLER_DEAUTHORIZATION)


def sample_webhook(
    data: Dataset, event_type: int, app_key: str, app_secret: str, now: float, order_id: str | None
) -> dict[str, Any]:
    """``{"headers": {"Authorization": sign}, "body": raw}`` for one event of a seller persona.

    Raises LookupError when the persona has no shop or no such order, ValueError for a type the
    sandbox does not sample.
    """
    if data.shop is None:
        raise LookupError("this persona has no shop: shop webhooks do not apply")
    rng = random.Random(f"{data.persona.id}:{event_type}:{order_id}:{int(now)}")
    payload: dict[str, Any]
    if event_type == ORDER_STATUS_CHANGE:
        if order_id is None:
            if not data.orders:
                raise LookupError("this persona has no orders")
            order = max(data.orders, key=lambda o: (o["update_time"], o["id"]))
        else:
            matches = [o for o in data.orders if o["id"] == order_id]
            if not matches:
                raise LookupError("no such order")
            order = matches[0]
        payload = {
            "order_id": order["id"],
            "order_status": order["status"],
            "is_on_hold_order": order["is_on_hold_order"],
            "update_time": order["update_time"],
        }
    elif event_type == SELLER_DEAUTHORIZATION:
        payload = {
            "message": f"Shop_id {data.shop['id']} is deauthorized from your APP by merchant."
        }
    else:
        raise ValueError(f"webhook type {event_type} is not sampled; use one of {SUPPORTED_TYPES}")
    envelope = {
        "type": event_type,
        "tts_notification_id": digits(rng, "73", 19),
        "shop_id": data.shop["id"],
        "timestamp": int(now),
        "data": payload,
    }
    raw = json.dumps(envelope, separators=(",", ":")).encode()
    return {
        "headers": {
            "Authorization": sign_webhook(app_key, app_secret, raw),
            "Content-Type": "application/json",
        },
        "body": raw.decode(),
    }
