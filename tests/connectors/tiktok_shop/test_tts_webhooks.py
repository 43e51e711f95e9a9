"""Tests of TikTok Shop webhook verification (reference 9) and envelope parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.core.errors import BadRecord
from connectors.tiktok_shop import (
    WebhookType,
    parse_webhook,
    verify_webhook,
    webhook_signature,
)

OFFICIAL_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)
OFFICIAL_SIGN = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


class TestVerifyWebhook:
    def test_official_vector(self) -> None:
        assert webhook_signature("abcdef", "123", OFFICIAL_BODY) == OFFICIAL_SIGN
        assert verify_webhook("abcdef", "123", OFFICIAL_BODY, OFFICIAL_SIGN)

    def test_upper_case_and_whitespace_header_accepted(self) -> None:
        assert verify_webhook("abcdef", "123", OFFICIAL_BODY, f" {OFFICIAL_SIGN.upper()} ")

    @pytest.mark.parametrize("header", ["", "Bearer " + OFFICIAL_SIGN, OFFICIAL_SIGN[:-1] + "0"])
    def test_wrong_header_rejected(self, header: str) -> None:
        assert not verify_webhook("abcdef", "123", OFFICIAL_BODY, header)

    def test_reserialised_body_rejected(self) -> None:
        reserialised = json.dumps(json.loads(OFFICIAL_BODY)).encode()
        assert not verify_webhook("abcdef", "123", reserialised, OFFICIAL_SIGN)

    @given(st.binary(max_size=200), st.binary(min_size=1, max_size=5))
    def test_any_body_mutation_fails(self, body: bytes, suffix: bytes) -> None:
        header = webhook_signature("k", "s", body)
        assert verify_webhook("k", "s", body, header)
        assert not verify_webhook("k", "s", body + suffix, header)
        assert not verify_webhook("k", "s2", body, header)
        assert not verify_webhook("k2", "s", body, header)


class TestParseWebhook:
    def test_official_body(self) -> None:
        event = parse_webhook(OFFICIAL_BODY)
        assert event.type == 1 and event.known_type is WebhookType.ORDER_STATUS_CHANGE
        assert event.notification_id == "7380066284010030890"
        assert event.shop_id == "7495540735365777507"
        assert event.timestamp == datetime.fromtimestamp(1718305585, tz=UTC)
        assert event.data["order_status"] == "UNPAID"

    def test_reference_examples(self, load_example: Any) -> None:
        examples = load_example("webhooks__examples.json")
        for name, body in examples.items():
            if name.startswith("_"):
                continue
            event = parse_webhook(json.dumps(body).encode())
            assert event.type == int(name.split("_")[0])
            assert event.known_type is not None

    def test_unknown_type_kept(self) -> None:
        body = b'{"type":99,"tts_notification_id":"1","shop_id":"2","timestamp":1,"data":{}}'
        event = parse_webhook(body)
        assert event.type == 99 and event.known_type is None

    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"[]",
            b'{"type":"1","tts_notification_id":"1","timestamp":1}',
            b'{"type":1,"timestamp":1}',
            b'{"type":1,"tts_notification_id":"1","timestamp":"soon"}',
            b'{"type":1,"tts_notification_id":"1","timestamp":1,"data":[1]}',
        ],
    )
    def test_malformed_is_bad_record(self, body: bytes) -> None:
        with pytest.raises(BadRecord):
            parse_webhook(body)
