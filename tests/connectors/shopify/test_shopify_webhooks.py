"""Webhook signature (the documented vector), header parsing, and payloads → records."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.core.records import OrderRecord, ReturnRecord
from connectors.shopify import (
    COMPLIANCE_TOPICS,
    InvalidWebhook,
    parse_webhook,
    records_from_webhook,
    verify_webhook,
    webhook_hmac,
)

Load = Callable[[str], Any]
VECTOR_BODY = b'{"foo": "bar"}'
VECTOR_HMAC = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
HEADERS = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": "orders/create",
    "X-Shopify-Hmac-Sha256": VECTOR_HMAC,
    "X-Shopify-Shop-Domain": "example-shop.myshopify.com",
    "X-Shopify-API-Version": "2026-04",
    "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "X-Shopify-Event-Id": "7b8c9d0a-1234-5678-90ab-cdef12345678",
    "X-Shopify-Triggered-At": "2026-04-10T12:34:56.789Z",
}


class TestVerifyWebhook:
    def test_documented_vector(self, load_shopify_example: Load) -> None:
        vector = load_shopify_example("webhook_examples.json")["hmac_test_vector"]
        body = vector["raw_body"].encode()
        assert body == VECTOR_BODY and len(body) == 14
        assert webhook_hmac(vector["secret"], body) == vector["X-Shopify-Hmac-Sha256"]
        assert verify_webhook(vector["secret"], body, vector["X-Shopify-Hmac-Sha256"])

    @given(st.integers(0, len(VECTOR_BODY) - 1), st.integers(1, 255))
    def test_any_body_change_fails(self, position: int, delta: int) -> None:
        body = bytearray(VECTOR_BODY)
        body[position] = (body[position] + delta) % 256
        assert not verify_webhook("test_secret_key", bytes(body), VECTOR_HMAC)

    @pytest.mark.parametrize(
        "header",
        [None, "", VECTOR_HMAC[:-2], VECTOR_HMAC.lower(), "A" + VECTOR_HMAC[1:], VECTOR_HMAC + "="],
    )
    def test_wrong_or_missing_header_fails(self, header: str | None) -> None:
        assert not verify_webhook("test_secret_key", VECTOR_BODY, header)

    def test_wrong_secret_fails_and_previous_secret_is_tried(self) -> None:
        assert not verify_webhook("another", VECTOR_BODY, VECTOR_HMAC)
        assert verify_webhook(
            "another", VECTOR_BODY, VECTOR_HMAC, previous_secret="test_secret_key"
        )
        assert verify_webhook("test_secret_key", VECTOR_BODY, f" {VECTOR_HMAC} ")

    def test_reformatted_json_fails(self) -> None:
        assert not verify_webhook("test_secret_key", b'{"foo":"bar"}', VECTOR_HMAC)


class TestParseWebhook:
    def test_documented_headers(self) -> None:
        hook = parse_webhook(HEADERS, VECTOR_BODY)
        assert hook.topic == "orders/create"
        assert hook.shop_domain == "example-shop.myshopify.com"
        assert hook.webhook_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
        assert hook.event_id == "7b8c9d0a-1234-5678-90ab-cdef12345678"
        assert hook.triggered_at == datetime(2026, 4, 10, 12, 34, 56, 789000, tzinfo=UTC)
        assert hook.api_version == "2026-04"
        assert hook.payload == {"foo": "bar"}

    @pytest.mark.parametrize(
        "case", [str.lower, str.upper, lambda s: s.replace("X-Shopify-", "Shopify-")]
    )
    def test_header_case_and_unprefixed_names(self, case: Callable[[str], str]) -> None:
        headers = {case(k): v for k, v in HEADERS.items()}
        assert parse_webhook(headers, VECTOR_BODY).webhook_id == HEADERS["X-Shopify-Webhook-Id"]

    @pytest.mark.parametrize(
        "name",
        [
            "X-Shopify-Topic",
            "X-Shopify-Shop-Domain",
            "X-Shopify-API-Version",
            "X-Shopify-Webhook-Id",
        ],
    )
    def test_missing_required_header(self, name: str) -> None:
        headers = {k: v for k, v in HEADERS.items() if k != name}
        with pytest.raises(InvalidWebhook, match="lacks header"):
            parse_webhook(headers, VECTOR_BODY)
        with pytest.raises(InvalidWebhook, match="lacks header"):
            parse_webhook({**HEADERS, name: "  "}, VECTOR_BODY)

    def test_optional_headers(self) -> None:
        headers = {k: v for k, v in HEADERS.items() if "Event" not in k and "Triggered" not in k}
        hook = parse_webhook(headers, VECTOR_BODY)
        assert hook.event_id is None and hook.triggered_at is None

    @pytest.mark.parametrize(
        ("override", "body", "match"),
        [
            ({"X-Shopify-Shop-Domain": "evil.com"}, VECTOR_BODY, "myshopify"),
            ({"X-Shopify-Triggered-At": "yesterday"}, VECTOR_BODY, "Triggered-At"),
            ({}, b"not json", "not JSON"),
            ({}, b"[1, 2]", "object"),
            ({}, b"\xff\xfe", "not JSON"),
        ],
    )
    def test_invalid_deliveries(self, override: dict[str, str], body: bytes, match: str) -> None:
        with pytest.raises(InvalidWebhook, match=match):
            parse_webhook({**HEADERS, **override}, body)


class TestWebhookRecords:
    @pytest.mark.parametrize(
        "topic", ["orders/create", "orders/updated", "orders/paid", "orders/cancelled"]
    )
    def test_order_topics(self, load_shopify_example: Load, topic: str) -> None:
        order = load_shopify_example("rest_2026-07_orders_list_status_any.json")["orders"][0]
        hook = parse_webhook({**HEADERS, "X-Shopify-Topic": topic}, json.dumps(order).encode())
        records = records_from_webhook(hook)
        assert [type(r) for r in records] == [OrderRecord, ReturnRecord]
        assert records[0].shop_id == "example-shop.myshopify.com"
        assert isinstance(records[0], OrderRecord)
        assert records[0].total_amount == Decimal("598.94")

    def test_refunds_create(self, load_shopify_example: Load) -> None:
        refund = load_shopify_example("rest_2026-07_orders_list_status_any.json")["orders"][0][
            "refunds"
        ][0]
        headers = {**HEADERS, "X-Shopify-Topic": "refunds/create"}
        hook = parse_webhook(headers, json.dumps(refund).encode())
        [record] = records_from_webhook(hook, currency="USD")
        assert isinstance(record, ReturnRecord)
        assert record.refund_amount == Decimal("209.00")
        with pytest.raises(ValueError, match="currency"):
            records_from_webhook(hook)

    @pytest.mark.parametrize("topic", [*sorted(COMPLIANCE_TOPICS), "app/uninstalled"])
    def test_other_topics_carry_no_records(self, load_shopify_example: Load, topic: str) -> None:
        examples = load_shopify_example("webhook_examples.json")
        payload = examples.get(topic) or load_shopify_example("rest_2026-07_shop.json")["shop"]
        hook = parse_webhook({**HEADERS, "X-Shopify-Topic": topic}, json.dumps(payload).encode())
        assert hook.topic == topic
        assert records_from_webhook(hook) == []
