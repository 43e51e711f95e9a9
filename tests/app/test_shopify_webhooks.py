"""Shopify webhooks: HMAC before parsing, one effect per delivery, compliance topics honoured."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select

from app.db import transaction
from app.models import BusinessConnection, Order, WebhookEvent
from tests.harness import Harness


async def sample(harness: Harness, topic: str, **extra: Any) -> tuple[dict[str, str], bytes]:
    response = await harness.platform.post(
        "/_sandbox/shopify/webhooks/sample",
        json={"persona": "shopify_steady", "topic": topic, **extra},
    )
    delivery = response.raise_for_status().json()
    return delivery["headers"], delivery["body"].encode()


async def post(harness: Harness, headers: dict[str, str], body: bytes) -> Any:
    return await harness.service.post("/webhooks/shopify", headers=headers, content=body)


async def inbox(harness: Harness) -> list[WebhookEvent]:
    async with transaction(harness.context.sessions) as session:
        return list(await session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


async def connected(harness: Harness) -> dict[str, str]:
    headers = await harness.sign_in("merchant")
    await harness.connect("shopify_steady", headers)
    return headers


class TestSignature:
    async def test_bad_signature_is_401_and_records_nothing(self, harness: Harness) -> None:
        headers, body = await sample(harness, "orders/updated")
        for forged in (
            {**headers, "X-Shopify-Hmac-Sha256": "AAAA" + headers["X-Shopify-Hmac-Sha256"][4:]},
            {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"},
        ):
            assert (await post(harness, forged, body)).status_code == 401
        assert (await post(harness, headers, body + b" ")).status_code == 401
        assert await inbox(harness) == []

    async def test_missing_headers_or_bad_json_is_400(self, harness: Harness) -> None:
        headers, body = await sample(harness, "orders/updated")
        without_id = {k: v for k, v in headers.items() if k != "X-Shopify-Webhook-Id"}
        assert (await post(harness, without_id, body)).status_code == 400
        assert await inbox(harness) == []


class TestOrders:
    async def test_order_update_is_applied_once(self, harness: Harness) -> None:
        await connected(harness)
        headers, body = await sample(harness, "orders/updated")
        first = await post(harness, headers, body)
        assert first.status_code == 200 and first.json() == {"status": "accepted"}
        replay = await post(harness, headers, body)
        assert replay.json() == {"status": "duplicate"}
        events = await inbox(harness)
        assert len(events) == 1
        assert events[0].outcome is not None and "upserted" in events[0].outcome
        order_id = json.loads(body)["admin_graphql_api_id"]
        async with transaction(harness.context.sessions) as session:
            stored = await session.scalar(
                select(func.count()).select_from(Order).where(Order.external_id == order_id)
            )
        assert stored == 1

    async def test_concurrent_duplicates_change_nothing_twice(self, harness: Harness) -> None:
        await connected(harness)
        headers, body = await sample(harness, "orders/paid")
        answers = await asyncio.gather(*(post(harness, headers, body) for _ in range(5)))
        statuses = sorted(answer.json()["status"] for answer in answers)
        assert statuses == ["accepted"] + ["duplicate"] * 4
        assert len(await inbox(harness)) == 1

    async def test_a_new_delivery_of_the_same_event_is_recorded_separately(
        self, harness: Harness
    ) -> None:
        await connected(harness)
        headers, body = await sample(harness, "orders/updated", webhook_id="delivery-1")
        again, _ = await sample(harness, "orders/updated", webhook_id="delivery-2")
        assert (await post(harness, headers, body)).json()["status"] == "accepted"
        assert (await post(harness, again, body)).json()["status"] == "accepted"
        assert len(await inbox(harness)) == 2


class TestLifecycleAndCompliance:
    async def test_app_uninstalled_revokes_and_deletes_tokens(self, harness: Harness) -> None:
        await connected(harness)
        headers, body = await sample(harness, "app/uninstalled")
        assert (await post(harness, headers, body)).status_code == 200
        async with transaction(harness.context.sessions) as session:
            connection = await session.scalar(select(BusinessConnection))
        assert connection is not None
        assert connection.status == "revoked"
        assert connection.access_token_enc is None and connection.refresh_token_enc is None

    async def test_customers_data_request_is_answered_from_what_is_stored(
        self, harness: Harness
    ) -> None:
        await connected(harness)
        headers, body = await sample(harness, "customers/data_request")
        assert (await post(harness, headers, body)).status_code == 200
        (event,) = await inbox(harness)
        assert event.outcome is not None and "no customer personal data" in event.outcome

    async def test_customers_redact_removes_the_pseudonymous_reference(
        self, harness: Harness
    ) -> None:
        await connected(harness)
        headers, body = await sample(harness, "customers/redact")
        customer = json.loads(body)["customer"]["id"]
        from connectors.shopify.models import buyer_ref

        shop = await harness.shop_of("shopify_steady")
        ref = buyer_ref(shop, {"id": customer})

        async def orders_of_customer() -> int:
            async with transaction(harness.context.sessions) as session:
                count = await session.scalar(
                    select(func.count()).select_from(Order).where(Order.buyer_ref == ref)
                )
            return int(count or 0)

        assert await orders_of_customer() > 0  # the customer did buy from this store
        assert (await post(harness, headers, body)).status_code == 200
        assert await orders_of_customer() == 0
        (event,) = await inbox(harness)
        assert event.outcome is not None and "removed the pseudonymous buyer reference" in (
            event.outcome
        )

    async def test_shop_redact_deletes_the_shop_and_its_data(self, harness: Harness) -> None:
        headers_b = await connected(harness)
        headers, body = await sample(harness, "shop/redact")
        response = await post(harness, headers, body)
        assert response.status_code == 200
        await harness.context.jobs.drain()
        async with transaction(harness.context.sessions) as session:
            assert await session.scalar(select(func.count()).select_from(BusinessConnection)) == 0
            assert await session.scalar(select(func.count()).select_from(Order)) == 0
        score = (await harness.service.get("/api/score", headers=headers_b)).json()
        assert score["status"] == "pending"
