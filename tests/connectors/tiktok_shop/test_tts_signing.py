"""Tests of TikTok Shop request signing (reference 1.2 and the 1.4 vectors)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.tiktok_shop.signing import TikTokShopSigner, compute_sign, string_to_sign

FIXED = datetime.fromtimestamp(1623812664, tz=UTC)


def signed(request: httpx.Request, signer: TikTokShopSigner) -> httpx.Request:
    flow = signer.sync_auth_flow(request)
    return next(flow)


class TestVectors:
    def test_official_vector(self) -> None:
        params = {"app_key": "29a39d", "timestamp": "1623812664"}
        assert compute_sign("e59af819cc", "/authorization/202309/shops", params) == (
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
        )

    def test_php_vector(self) -> None:
        assert compute_sign("app_secret", "/test-api", {"foo": "bar"}) == (
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
        )

    def test_official_vector_through_the_signer(self) -> None:
        signer = TikTokShopSigner("29a39d", "e59af819cc", "", clock=lambda: FIXED)
        request = signed(
            httpx.Request("GET", "https://open-api.test/authorization/202309/shops"), signer
        )
        assert request.url.params["sign"] == (
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
        )
        assert request.url.params["app_key"] == "29a39d"
        assert request.url.params["timestamp"] == "1623812664"


class TestBaseString:
    def test_sign_and_access_token_excluded_and_sorted_by_bytes(self) -> None:
        params = {"b": "2", "a": "1", "sign": "x", "access_token": "y", "B": "3"}
        assert string_to_sign("/p", params, b"{}") == b"/pB3a1b2{}"

    def test_sandbox_prefix_is_not_signed(self) -> None:
        signer = TikTokShopSigner("k", "s", "http://127.0.0.1:8100/tiktok-shop/api", lambda: FIXED)
        url = "http://127.0.0.1:8100/tiktok-shop/api/order/202309/orders/search?shop_cipher=c"
        body = b'{"create_time_ge":1}'
        request = signed(
            httpx.Request("POST", url, content=body, headers={"content-type": "application/json"}),
            signer,
        )
        params = {"app_key": "k", "timestamp": "1623812664", "shop_cipher": "c"}
        assert request.url.params["sign"] == compute_sign(
            "s", "/order/202309/orders/search", params, body
        )

    def test_path_outside_base_is_an_error(self) -> None:
        signer = TikTokShopSigner("k", "s", "/tiktok-shop/api", lambda: FIXED)
        with pytest.raises(ValueError):
            signed(httpx.Request("GET", "http://h/other/202309/shops"), signer)

    def test_page_token_with_slash_and_plus_signed_decoded_sent_encoded(self) -> None:
        token = "6AsPQsUMvH3Rk/N5M1k+7D1ud64=="
        signer = TikTokShopSigner("k", "s", "", lambda: FIXED)
        request = signed(
            httpx.Request(
                "GET", "https://h/finance/202309/statements", params={"page_token": token}
            ),
            signer,
        )
        raw_query = request.url.query.decode()
        assert "%2F" in raw_query and "%2B" in raw_query
        assert request.url.params["page_token"] == token
        params = {"app_key": "k", "timestamp": "1623812664", "page_token": token}
        assert request.url.params["sign"] == compute_sign("s", "/finance/202309/statements", params)

    def test_existing_sign_replaced(self) -> None:
        signer = TikTokShopSigner("k", "s", "", lambda: FIXED)
        request = signed(httpx.Request("GET", "https://h/x", params={"sign": "old"}), signer)
        assert request.url.params.get_list("sign") != ["old"]
        assert len(request.url.params.get_list("sign")) == 1

    def test_body_signed_exactly_as_sent(self) -> None:
        body = json.dumps({"a": 1, "b": "é"}, separators=(",", ":"), ensure_ascii=False).encode()
        signer = TikTokShopSigner("k", "s", "", lambda: FIXED)
        request = signed(
            httpx.Request(
                "POST", "https://h/x", content=body, headers={"content-type": "application/json"}
            ),
            signer,
        )
        secret = b"s"
        message = secret + b"/xapp_keyktimestamp1623812664" + body + secret
        expected = hmac.new(secret, message, hashlib.sha256).hexdigest()
        assert request.url.params["sign"] == expected
        assert request.content == body

    def test_multipart_body_not_signed(self) -> None:
        signer = TikTokShopSigner("k", "s", "", lambda: FIXED)
        request = signed(
            httpx.Request(
                "POST",
                "https://h/x",
                content=b"--b\r\n",
                headers={"content-type": "multipart/form-data; boundary=b"},
            ),
            signer,
        )
        params = {"app_key": "k", "timestamp": "1623812664"}
        assert request.url.params["sign"] == compute_sign("s", "/x", params)

    def test_repeated_parameter_rejected(self) -> None:
        signer = TikTokShopSigner("k", "s", "", lambda: FIXED)
        with pytest.raises(ValueError, match="repeated"):
            signed(httpx.Request("GET", "https://h/x?ids=1&ids=2"), signer)

    def test_repr_hides_secret(self) -> None:
        assert "topsecret" not in repr(TikTokShopSigner("k", "topsecret", ""))


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: k not in {"sign", "access_token"}
)
VALUES = st.text(min_size=0, max_size=12)
PARAMS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)
PATHS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/_", min_size=1, max_size=30).map(
    lambda p: "/" + p
)


class TestSignProperties:
    @given(PATHS, PARAMS, st.binary(max_size=40), st.text(min_size=1, max_size=10), st.data())
    def test_any_mutation_changes_the_sign(
        self, path: str, params: dict[str, str], body: bytes, secret: str, data: st.DataObject
    ) -> None:
        original = compute_sign(secret, path, params, body)
        key = data.draw(st.sampled_from(sorted(params)))
        mutated_value = {**params, key: params[key] + data.draw(st.text(min_size=1, max_size=3))}
        assert compute_sign(secret, path, mutated_value, body) != original
        assert compute_sign(secret, path + "x", params, body) != original
        assert compute_sign(secret, path, params, body + b"x") != original
        assert compute_sign(secret + "x", path, params, body) != original

    @given(PATHS, PARAMS, st.binary(max_size=40))
    def test_sign_is_deterministic_and_order_independent(
        self, path: str, params: dict[str, str], body: bytes
    ) -> None:
        reversed_params = dict(reversed(list(params.items())))
        assert compute_sign("s", path, params, body) == compute_sign(
            "s", path, reversed_params, body
        )
        assert len(compute_sign("s", path, params, body)) == 64
