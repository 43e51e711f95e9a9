"""Webhooks (reference 5): signed sample deliveries for every topic the service handles, and a
deliverer that posts one to a URL and retries non-2xx answers with the same ``X-Shopify-Webhook-Id``
and the same bytes, as Shopify retries a delivery.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import httpx

from sandbox.shopify.data import Order, ShopifyData
from sandbox.shopify.emulator import ShopifyEmulator
from sandbox.shopify.render import order_json, refund_json, shop_json
from sandbox.shopify.signing import webhook_hmac

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled")
TOPICS = (
    *ORDER_TOPICS,
    "refunds/create",
    "app/uninstalled",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
)


def _pick_order(data: ShopifyData, topic: str, order_id: str | int | None) -> Order:
    if order_id is not None:
        wanted = str(order_id).rsplit("/", 1)[-1]
        for order in data.orders:
            if str(order.id) == wanted:
                return order
        raise LookupError(f"no such order: {order_id}")
    candidates = [o for o in data.orders if not o.test]
    if topic == "orders/cancelled":
        candidates = [o for o in candidates if o.cancelled_at is not None]
    elif topic == "orders/paid":
        candidates = [o for o in candidates if o.financial_status != "pending"]
    elif topic == "refunds/create":
        candidates = [o for o in candidates if o.refunds]
    if not candidates:
        raise LookupError(f"this store has no order for {topic}")
    return max(candidates, key=lambda o: (o.updated_at, o.id))


def payload(data: ShopifyData, topic: str, order_id: str | int | None = None) -> dict[str, Any]:
    """The JSON a delivery of ``topic`` carries; LookupError or ValueError when none applies."""
    persona = data.persona
    if topic in ORDER_TOPICS:
        return order_json(data, _pick_order(data, topic, order_id))
    if topic == "refunds/create":
        order = _pick_order(data, topic, order_id)
        if not order.refunds:
            raise LookupError("this order has no refund")
        return refund_json(order, order.refunds[-1], persona.region.timezone, persona.currency)
    if topic == "app/uninstalled":
        return shop_json(data)
    base = {"shop_id": data.shop_id, "shop_domain": persona.shop}
    if topic == "shop/redact":
        return base
    if topic in ("customers/data_request", "customers/redact"):
        orders = [o for o in data.orders if o.customer is not None]
        if not orders:
            raise LookupError("this store has no customers")
        customer = orders[-1].customer
        assert customer is not None
        ids = [o.id for o in orders if o.customer == customer][:3]
        who = {"id": customer.id, "email": customer.email, "phone": customer.phone}
        if topic == "customers/redact":
            return {**base, "customer": who, "orders_to_redact": ids}
        request_id = int(data.shop_id % 100_000) + 9999
        return {
            **base,
            "orders_requested": ids,
            "customer": who,
            "data_request": {"id": request_id},
        }
    raise ValueError(f"unsupported topic {topic!r}; use one of {', '.join(TOPICS)}")


def sample(
    emu: ShopifyEmulator,
    data: ShopifyData,
    topic: str,
    webhook_id: str | None = None,
    order_id: str | int | None = None,
) -> dict[str, Any]:
    """``{"headers": {...}, "body": raw}``: one signed delivery as Shopify would send it."""
    body = json.dumps(payload(data, topic, order_id), separators=(",", ":"), ensure_ascii=False)
    raw = body.encode()
    triggered = dt.datetime.fromtimestamp(emu.now(), dt.UTC)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": webhook_hmac(emu.app.client_secret, raw),
        "X-Shopify-Shop-Domain": data.persona.shop,
        "X-Shopify-API-Version": emu.app.default_api_version,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": triggered.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        ),
    }
    return {"headers": headers, "body": body}


async def deliver(
    emu: ShopifyEmulator, delivery: dict[str, Any], url: str, attempts: int
) -> list[int]:
    """Post ``delivery`` until a 2xx answer or ``attempts`` tries; the status of each try (0 for
    a connection failure). Every try sends the same headers, so the same webhook id."""
    statuses: list[int] = []
    async with httpx.AsyncClient(
        transport=emu.config.webhook_transport, timeout=emu.app.webhook_timeout
    ) as client:
        for attempt in range(attempts):
            if attempt and emu.app.webhook_retry_delay:
                # Shopify backs off exponentially; the sandbox keeps the shape, scaled down.
                await asyncio.sleep(emu.app.webhook_retry_delay * 2 ** (attempt - 1))
            try:
                response = await client.post(
                    url, content=delivery["body"].encode(), headers=delivery["headers"]
                )
                statuses.append(response.status_code)
            except httpx.TransportError:
                statuses.append(0)
                continue
            if 200 <= response.status_code < 300:
                break
    return statuses
