"""Webhooks (reference 5): the reference vector, signed samples for every topic, and delivery
with retries that keep the webhook id and the bytes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from shopify_client import ANCHOR, CLIENT_SECRET, PERSONAS, Clock, Shopify, client_for, webhook_hmac
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.config import SandboxConfig

TOPICS = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "refunds/create",
    "app/uninstalled",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
]
HEADERS = {
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
}


class Receiver:
    """An in-process webhook endpoint answering a scripted sequence of statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.seen: list[tuple[dict[str, str], bytes]] = []

        async def hook(request: Request) -> Response:
            self.seen.append((dict(request.headers), await request.body()))
            status = self.statuses[min(len(self.seen), len(self.statuses)) - 1]
            return Response(status_code=status)

        self.app = Starlette(routes=[Route("/webhooks/shopify", hook, methods=["POST"])])


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    async with client_for(SandboxConfig(seed=7, anchor=ANCHOR, clock=clock)) as client:
        yield Shopify(client, clock)


async def _sample(shopify: Shopify, topic: str, **extra: Any) -> dict[str, Any]:
    response = await shopify.client.post(
        "/_sandbox/shopify/webhooks/sample",
        json={"persona": "shopify_steady", "topic": topic, **extra},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestSignature:
    def test_reference_vector(self) -> None:
        assert webhook_hmac("test_secret_key", b'{"foo": "bar"}') == (
            "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
        )

    @pytest.mark.parametrize("topic", TOPICS)
    async def test_every_topic_is_signed_over_the_raw_body(
        self, shopify: Shopify, topic: str
    ) -> None:
        sample = await _sample(shopify, topic)
        headers, raw = sample["headers"], sample["body"].encode()
        assert set(headers) >= HEADERS
        assert headers["X-Shopify-Hmac-Sha256"] == webhook_hmac(CLIENT_SECRET, raw)
        assert headers["X-Shopify-Topic"] == topic
        assert headers["X-Shopify-Shop-Domain"] == PERSONAS["shopify_steady"]
        assert headers["X-Shopify-Triggered-At"].endswith("Z")
        tampered = raw.replace(b'"', b" ", 1)
        assert webhook_hmac(CLIENT_SECRET, tampered) != headers["X-Shopify-Hmac-Sha256"]
        json.loads(raw)

    async def test_payload_shapes(self, shopify: Shopify) -> None:
        cancelled = json.loads((await _sample(shopify, "orders/cancelled"))["body"])
        assert cancelled["cancelled_at"] and cancelled["admin_graphql_api_id"].startswith(
            "gid://shopify/Order/"
        )
        refund = json.loads((await _sample(shopify, "refunds/create"))["body"])
        assert refund["transactions"][0]["kind"] == "refund" and refund["order_id"]
        shop = json.loads((await _sample(shopify, "app/uninstalled"))["body"])
        assert shop["myshopify_domain"] == PERSONAS["shopify_steady"]
        redact = json.loads((await _sample(shopify, "customers/redact"))["body"])
        assert set(redact) == {"shop_id", "shop_domain", "customer", "orders_to_redact"}
        data_request = json.loads((await _sample(shopify, "customers/data_request"))["body"])
        assert set(data_request) == {
            "shop_id", "shop_domain", "orders_requested", "customer", "data_request"
        }  # fmt: skip
        assert json.loads((await _sample(shopify, "shop/redact"))["body"]) == {
            "shop_id": shop["id"],
            "shop_domain": PERSONAS["shopify_steady"],
        }

    async def test_given_webhook_id_and_order(self, shopify: Shopify) -> None:
        first = json.loads((await _sample(shopify, "orders/create"))["body"])
        sample = await _sample(
            shopify, "orders/updated", webhook_id="wh-1", order_id=first["admin_graphql_api_id"]
        )
        assert sample["headers"]["X-Shopify-Webhook-Id"] == "wh-1"
        assert json.loads(sample["body"])["id"] == first["id"]

    async def test_unknown_topic_and_persona(self, shopify: Shopify) -> None:
        bad = await shopify.client.post(
            "/_sandbox/shopify/webhooks/sample", json={"persona": "shopify_steady", "topic": "x/y"}
        )
        assert bad.status_code == 400
        none = await shopify.client.post(
            "/_sandbox/shopify/webhooks/sample", json={"persona": "nobody", "topic": "shop/redact"}
        )
        assert none.status_code == 404
        empty = await shopify.client.post(
            "/_sandbox/shopify/webhooks/sample",
            json={"persona": "shopify_new", "topic": "orders/create"},
        )
        assert empty.status_code == 400


class TestDelivery:
    async def _deliver(
        self, clock: Clock, statuses: list[int], attempts: int | None
    ) -> tuple[Receiver, dict[str, Any]]:
        receiver = Receiver(statuses)
        config = SandboxConfig(
            seed=7,
            anchor=ANCHOR,
            clock=clock,
            webhook_transport=httpx.ASGITransport(app=receiver.app),
        )
        body: dict[str, Any] = {
            "persona": "shopify_steady",
            "topic": "orders/paid",
            "url": "http://service/webhooks/shopify",
        }
        if attempts is not None:
            body["attempts"] = attempts
        async with client_for(config) as client:
            response = await client.post("/_sandbox/shopify/webhooks/deliver", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return receiver, result

    async def test_retries_keep_the_webhook_id_and_bytes(self, clock: Clock) -> None:
        receiver, result = await self._deliver(clock, [500, 401, 200], 5)
        assert result["deliveries"] == [500, 401, 200]
        ids = {headers["x-shopify-webhook-id"] for headers, _ in receiver.seen}
        assert ids == {result["webhook_id"]}
        bodies = {raw for _, raw in receiver.seen}
        assert len(bodies) == 1
        headers, raw = receiver.seen[0]
        assert headers["x-shopify-hmac-sha256"] == webhook_hmac(CLIENT_SECRET, raw)

    async def test_gives_up_after_the_attempts(self, clock: Clock) -> None:
        receiver, result = await self._deliver(clock, [503], 3)
        assert result["deliveries"] == [503, 503, 503]
        assert len(receiver.seen) == 3

    async def test_default_is_the_first_try_plus_eight_retries(self, clock: Clock) -> None:
        _, result = await self._deliver(clock, [500], None)
        assert result["deliveries"] == [500] * 9

    async def test_first_success_stops(self, clock: Clock) -> None:
        receiver, result = await self._deliver(clock, [204], 4)
        assert result["deliveries"] == [204] and len(receiver.seen) == 1
