"""The shop-domain rule: only ``*.myshopify.com`` hosts, and nothing is sent anywhere else."""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopify_fakes import CONFIG, token_set

from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import (
    InvalidShopDomain,
    ShopifyClient,
    ShopifyConfig,
    authorization_url,
    exchange_code,
    is_shop_domain,
    normalize_shop_domain,
    refresh,
)

SSRF = [
    "evil.com",
    "x.myshopify.com.evil.com",
    "https://x.myshopify.com@evil.com",
    "x.myshopify.com@evil.com",
    "evil.com#x.myshopify.com",
    "evil.com?x.myshopify.com",
    "evil.com/x.myshopify.com",
    "evil.com\\x.myshopify.com",
    "x.myshopify.com\\@evil.com",
    "user:pass@x.myshopify.com",
    "x.myshopify.com:443",
    "x.myshopify.com:8080",
    "x.myshopify.com/admin",
    "x.myshopify.com//",
    "x.myshopify.com/?a=b",
    "x.myshopify.com.",
    "127.0.0.1",
    "169.254.169.254",
    "[::1]",
    "0x7f000001",
    "2130706433",
    "localhost",
    "http://127.0.0.1:8100/shopify/x.myshopify.com",
    "x.myshopify.com\nHost: evil.com",
    "x.myshopify.com%2eevil.com",
    "x%2emyshopify.com",
    "x.myshopify%2ecom",
    "ftp://x.myshopify.com",
    "//x.myshopify.com",
    "https://https://x.myshopify.com",
    "-x.myshopify.com",
    "x_y.myshopify.com",
    "x.y.myshopify.com",
    ".myshopify.com",
    "myshopify.com",
    "x.myshopify.co",
    "x.shopify.com",
    "admin.shopify.com/store/x",
    "my-shop",
    "x.myshopify.com\u3002evil.com",  # ideographic full stop
    "x\uff0emyshopify.com",  # full-width full stop
    "\u212aitchen.myshopify.com",  # Kelvin sign: lower() would make it a "k"
    "xn--80ak6aa92e.myshopify.com.evil.com",
    "x.myshopify.com\x00.evil.com",
    " x.myshopify.com evil.com",
    "a" * 64 + ".myshopify.com",
    "",
]


class TestNormalizeShopDomain:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("some-shop.myshopify.com", "some-shop.myshopify.com"),
            ("Some-Shop.MyShopify.com", "some-shop.myshopify.com"),
            ("  some-shop.myshopify.com\n", "some-shop.myshopify.com"),
            ("https://some-shop.myshopify.com", "some-shop.myshopify.com"),
            ("http://some-shop.myshopify.com/", "some-shop.myshopify.com"),
            ("HTTPS://SOME-SHOP.MYSHOPIFY.COM/", "some-shop.myshopify.com"),
            ("0shop.myshopify.com", "0shop.myshopify.com"),
            ("a" * 63 + ".myshopify.com", "a" * 63 + ".myshopify.com"),
        ],
    )
    def test_accepted_forms(self, text: str, expected: str) -> None:
        assert normalize_shop_domain(text) == expected
        assert is_shop_domain(expected)

    @pytest.mark.parametrize("text", SSRF)
    def test_ssrf_attempts_are_rejected(self, text: str) -> None:
        with pytest.raises(InvalidShopDomain):
            normalize_shop_domain(text)
        assert not is_shop_domain(text)

    def test_not_text_is_rejected(self) -> None:
        with pytest.raises(InvalidShopDomain):
            normalize_shop_domain(b"x.myshopify.com")  # type: ignore[arg-type]

    @given(st.text(max_size=60))
    def test_any_accepted_text_is_a_canonical_myshopify_host(self, text: str) -> None:
        try:
            domain = normalize_shop_domain(text)
        except InvalidShopDomain:
            return
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.myshopify\.com", domain)
        assert normalize_shop_domain(domain) == domain
        assert httpx.URL(f"https://{domain}/admin").host == domain

    @given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), st.sampled_from(SSRF[:12]))
    def test_appending_anything_to_a_good_domain_is_rejected(self, handle: str, tail: str) -> None:
        with pytest.raises(InvalidShopDomain):
            normalize_shop_domain(f"{handle}.myshopify.com{tail}")


class TestNoRequestToATypedHost:
    @pytest.mark.parametrize("text", SSRF)
    async def test_client_refuses_before_any_request(
        self, text: str, no_network: httpx.AsyncClient
    ) -> None:
        with pytest.raises(InvalidShopDomain):
            ShopifyClient(CONFIG, no_network, text, MemoryTokenStore(token_set()))

    @pytest.mark.parametrize("text", SSRF)
    async def test_token_calls_refuse_before_any_request(
        self, text: str, no_network: httpx.AsyncClient
    ) -> None:
        with pytest.raises(InvalidShopDomain):
            await exchange_code(no_network, CONFIG, text, "code", expiring=True)
        with pytest.raises(InvalidShopDomain):
            await refresh(no_network, CONFIG, text, "shprt_x")

    @pytest.mark.parametrize("text", SSRF)
    def test_authorize_url_and_config_refuse(self, text: str) -> None:
        with pytest.raises(InvalidShopDomain):
            authorization_url(CONFIG, text, "state", "https://app.example/cb")
        with pytest.raises(InvalidShopDomain):
            CONFIG.graphql_url(text)

    def test_template_is_filled_only_with_the_checked_domain(self) -> None:
        sandbox = ShopifyConfig.for_sandbox("http://127.0.0.1:8100", page_size=5)
        assert sandbox.graphql_url("Rising-Tide.myshopify.com") == (
            "http://127.0.0.1:8100/shopify/rising-tide.myshopify.com/admin/api/2026-07/graphql.json"
        )
        assert CONFIG.token_url("x.myshopify.com") == (
            "https://x.myshopify.com/admin/oauth/access_token"
        )
        assert CONFIG.access_scopes_url("x.myshopify.com") == (
            "https://x.myshopify.com/admin/oauth/access_scopes.json"
        )


class TestConfig:
    def test_repr_hides_the_secret(self) -> None:
        assert "csecret_456" not in repr(CONFIG) and "csecret_456" not in str(CONFIG)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"page_size": 0},
            {"page_size": 251},
            {"admin_base_url_template": "https://example.com"},
            {"admin_base_url_template": "https://{shop}/{shop}"},
            {"api_version": "2026-02"},
            {"api_version": "latest"},
        ],
    )
    def test_invalid_settings_are_refused(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            ShopifyConfig(client_id="a", client_secret="b", **kwargs)  # type: ignore[arg-type]

    def test_defaults_request_ninety_days_of_orders(self) -> None:
        assert CONFIG.api_version == "2026-07"
        assert CONFIG.scopes == ("read_orders", "read_products", "read_all_orders")
