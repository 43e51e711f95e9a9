"""Request and webhook signatures against the reference's official vectors (sections 1.4, 9)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from tts_client import ANCHOR, Clock, Tts, client_for, sign

from sandbox.config import SandboxConfig, TikTokAppConfig
from sandbox.tiktok_shop.signing import expected_sign, sign_webhook

OFFICIAL_SIGN = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
WEBHOOK_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)


class TestExpectedSign:
    def test_official_vector(self) -> None:
        query = {"app_key": "29a39d", "timestamp": "1623812664"}
        assert expected_sign("e59af819cc", "/authorization/202309/shops", query) == OFFICIAL_SIGN

    def test_php_sdk_vector(self) -> None:
        result = expected_sign("app_secret", "/test-api", {"foo": "bar"})
        assert result == "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"

    def test_sign_and_access_token_are_not_signed(self) -> None:
        query = {"app_key": "29a39d", "timestamp": "1623812664"}
        noisy = {**query, "sign": "x", "access_token": "y"}
        assert expected_sign("e59af819cc", "/authorization/202309/shops", noisy) == OFFICIAL_SIGN

    def test_empty_value_is_signed_as_its_key(self) -> None:
        base = {"app_key": "29a39d", "timestamp": "1623812664"}
        with_empty = expected_sign("s", "/p", {**base, "page_token": ""})
        assert with_empty != expected_sign("s", "/p", base)
        assert with_empty == sign("s", "/p", {**base, "page_token": ""})

    def test_json_body_is_appended_but_multipart_is_not(self) -> None:
        query = {"app_key": "k", "timestamp": "1"}
        body = b'{"a":1}'
        assert expected_sign("s", "/p", query, body, "application/json") == sign(
            "s", "/p", query, body
        )
        multipart = expected_sign("s", "/p", query, body, "multipart/form-data; boundary=x")
        assert multipart == sign("s", "/p", query)

    @settings(max_examples=50, deadline=None)
    @given(
        query=st.dictionaries(
            st.text(string.ascii_lowercase + "_", min_size=1, max_size=12),
            st.text(string.printable, max_size=20),
            max_size=6,
        ),
        body=st.binary(max_size=40).map(lambda b: b.hex().encode()),
    )
    def test_matches_an_independent_signer_and_any_change_breaks_it(
        self, query: dict[str, str], body: bytes
    ) -> None:
        query = {k: v for k, v in query.items() if k not in ("sign", "access_token")}
        signed = expected_sign("secret", "/order/202309/orders/search", query, body, None)
        assert signed == sign("secret", "/order/202309/orders/search", query, body)
        assert signed != expected_sign("secret", "/order/202309/orders/searcH", query, body, None)
        assert signed != expected_sign("secret", "/order/202309/orders/search", query, body + b"x")
        changed = {**query, "zz_extra": "1"}
        assert signed != expected_sign("secret", "/order/202309/orders/search", changed, body)


class TestOfficialVectorOverHttp:
    async def test_official_request_is_accepted(self) -> None:
        clock = Clock(1623812664.0)
        app = TikTokAppConfig(app_key="29a39d", app_secret="e59af819cc")
        config = SandboxConfig(seed=7, anchor=ANCHOR, clock=clock, tiktok=app)
        async with client_for(config) as client:
            tts = Tts(client, clock, app.app_key, app.app_secret)
            token = (await tts.authorize("steady_us"))["data"]["access_token"]
            response = await client.get(
                "/tiktok-shop/api/authorization/202309/shops",
                params={"app_key": "29a39d", "timestamp": "1623812664", "sign": OFFICIAL_SIGN},
                headers={"x-tts-access-token": token},
            )
            assert response.status_code == 200
            assert response.json()["code"] == 0
            tampered = OFFICIAL_SIGN[:-1] + "0"
            response = await client.get(
                "/tiktok-shop/api/authorization/202309/shops",
                params={"app_key": "29a39d", "timestamp": "1623812664", "sign": tampered},
                headers={"x-tts-access-token": token},
            )
            assert (response.status_code, response.json()["code"]) == (401, 106001)


class TestWebhookSign:
    def test_official_vector(self) -> None:
        expected = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"
        assert sign_webhook("abcdef", "123", WEBHOOK_BODY) == expected

    def test_any_body_change_breaks_it(self) -> None:
        assert sign_webhook("abcdef", "123", WEBHOOK_BODY + b" ") != sign_webhook(
            "abcdef", "123", WEBHOOK_BODY
        )
