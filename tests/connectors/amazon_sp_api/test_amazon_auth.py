"""Consent URL, callback parsing, LWA exchange/refresh and error mapping, yearly expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from amazon_fakes import CONFIG, NOW, SECRET, SELLER

from connectors.amazon_sp_api import (
    AUTHORIZATION_LIFETIME,
    AmazonConfig,
    InvalidCallback,
    authorization_expiry,
    check_seller,
    consent_url,
    exchange_code,
    parse_callback,
    refresh,
)
from connectors.core.errors import Fatal, NeedsReauth, Retriable

TokenHandler = Callable[[httpx.Request], httpx.Response]
LwaFactory = Callable[[TokenHandler], tuple[httpx.AsyncClient, list[httpx.Request]]]


@pytest.fixture
async def lwa() -> AsyncIterator[LwaFactory]:
    clients: list[httpx.AsyncClient] = []

    def make(handler: TokenHandler) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
        seen: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        client = httpx.AsyncClient(transport=httpx.MockTransport(record))
        clients.append(client)
        return client, seen

    yield make
    for client in clients:
        await client.aclose()


def token_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": "Atza|new",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "Atzr|keep",
        },
        headers={"cache-control": "no-store"},
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


class TestConsentUrl:
    def test_has_application_id_and_state_on_seller_central(self) -> None:
        url = urlsplit(consent_url(CONFIG, "st4te"))
        assert f"{url.scheme}://{url.netloc}{url.path}" == "https://sc.test/apps/authorize/consent"
        assert parse_qs(url.query) == {
            "application_id": ["amzn1.sellerapps.app.test"],
            "state": ["st4te"],
        }

    def test_redirect_uri_and_beta(self) -> None:
        query = parse_qs(
            urlsplit(consent_url(CONFIG, "s", redirect_uri="https://app/cb", beta=True)).query
        )
        assert query["redirect_uri"] == ["https://app/cb"]
        assert query["version"] == ["beta"]

    def test_empty_state_is_refused(self) -> None:
        with pytest.raises(ValueError, match="state"):
            consent_url(CONFIG, "")


class TestCallback:
    def test_parses_the_three_fields(self) -> None:
        callback = parse_callback(
            {"state": "s", "selling_partner_id": SELLER, "spapi_oauth_code": "RHxxx"},
            expected_state="s",
        )
        assert (callback.code, callback.selling_partner_id, callback.state) == (
            "RHxxx",
            SELLER,
            "s",
        )
        assert "RHxxx" not in repr(callback)

    def test_missing_fields_are_named(self) -> None:
        with pytest.raises(InvalidCallback, match="spapi_oauth_code, selling_partner_id"):
            parse_callback({"state": "s"})

    def test_wrong_state(self) -> None:
        with pytest.raises(InvalidCallback, match="state"):
            parse_callback(
                {"state": "x", "selling_partner_id": SELLER, "spapi_oauth_code": "c"},
                expected_state="s",
            )

    def test_denied(self) -> None:
        with pytest.raises(InvalidCallback, match="did not authorize"):
            parse_callback({"error": "access_denied"})

    def test_reauthorization_by_another_seller_is_refused(self) -> None:
        callback = parse_callback(
            {"state": "s", "selling_partner_id": "AOTHER", "spapi_oauth_code": "c"}
        )
        check_seller(None, callback)
        check_seller("AOTHER", callback)
        with pytest.raises(InvalidCallback, match="different Amazon seller"):
            check_seller(SELLER, callback)


class TestExchange:
    async def test_posts_a_form_and_sets_the_yearly_deadline(self, lwa: LwaFactory) -> None:
        http, seen = lwa(token_ok)
        tokens = await exchange_code(
            http, CONFIG, "code1", "https://app/cb", selling_partner_id=SELLER, clock=lambda: NOW
        )
        request = seen[0]
        assert str(request.url) == CONFIG.lwa_token_url
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
        assert form(request) == {
            "grant_type": "authorization_code",
            "code": "code1",
            "redirect_uri": "https://app/cb",
            "client_id": CONFIG.lwa_client_id,
            "client_secret": SECRET,
        }
        assert tokens.access_token == "Atza|new"
        assert tokens.refresh_token == "Atzr|keep"
        assert tokens.access_expires_at == NOW + timedelta(hours=1)
        assert tokens.refresh_expires_at == NOW + AUTHORIZATION_LIFETIME
        assert tokens.account_id == SELLER

    async def test_redirect_uri_is_optional(self, lwa: LwaFactory) -> None:
        http, seen = lwa(token_ok)
        await exchange_code(http, CONFIG, "code1", None)
        assert "redirect_uri" not in form(seen[0])

    async def test_reused_code_needs_reauth_without_leaking(self, lwa: LwaFactory) -> None:
        http, _ = lwa(
            lambda r: httpx.Response(
                400,
                json={
                    "error_description": "The request has an invalid grant parameter : code",
                    "error": "invalid_grant",
                },
            )
        )
        with pytest.raises(NeedsReauth, match="authorization code") as caught:
            await exchange_code(http, CONFIG, "code-secret-1", None)
        assert "code-secret-1" not in str(caught.value) and SECRET not in str(caught.value)


class TestRefresh:
    async def test_refresh_keeps_the_refresh_token(self, lwa: LwaFactory) -> None:
        http, seen = lwa(token_ok)
        tokens = await refresh(http, CONFIG, "Atzr|keep", clock=lambda: NOW)
        assert form(seen[0])["grant_type"] == "refresh_token"
        assert form(seen[0])["refresh_token"] == "Atzr|keep"
        assert (tokens.access_token, tokens.refresh_token) == ("Atza|new", "Atzr|keep")

    async def test_refresh_without_refresh_token_in_answer_keeps_ours(
        self, lwa: LwaFactory
    ) -> None:
        http, _ = lwa(
            lambda r: httpx.Response(200, json={"access_token": "Atza|n", "expires_in": 3600})
        )
        tokens = await refresh(http, CONFIG, "Atzr|mine", clock=lambda: NOW)
        assert tokens.refresh_token == "Atzr|mine"

    async def test_revoked_refresh_token_needs_reauth(self, lwa: LwaFactory) -> None:
        http, _ = lwa(
            lambda r: httpx.Response(
                400,
                json={
                    "error_description": "The request has an invalid grant parameter : "
                    "refresh_token. User may have revoked or didn't grant the permission.",
                    "error": "invalid_grant",
                },
            )
        )
        with pytest.raises(NeedsReauth, match="revoked or did not renew") as caught:
            await refresh(http, CONFIG, "Atzr|secret-rt")
        assert "Atzr|secret-rt" not in str(caught.value)

    async def test_bad_client_secret_is_fatal_and_secret_free(self, lwa: LwaFactory) -> None:
        http, _ = lwa(
            lambda r: httpx.Response(
                401,
                json={
                    "error_description": f"Client authentication failed for {SECRET}",
                    "error": "invalid_client",
                },
            )
        )
        with pytest.raises(Fatal, match="client credentials") as caught:
            await refresh(http, CONFIG, "Atzr|x")
        assert SECRET not in str(caught.value)

    async def test_server_error_is_retriable(self, lwa: LwaFactory) -> None:
        http, _ = lwa(lambda r: httpx.Response(503, text="busy"))
        with pytest.raises(Retriable):
            await refresh(http, CONFIG, "Atzr|x")

    async def test_malformed_request_is_fatal(self, lwa: LwaFactory) -> None:
        http, _ = lwa(
            lambda r: httpx.Response(
                400, json={"error_description": "Malformed request", "error": "invalid_request"}
            )
        )
        with pytest.raises(Fatal, match="invalid_request"):
            await refresh(http, CONFIG, "Atzr|x")


class TestYearlyExpiry:
    def test_fresh_authorization(self) -> None:
        state = authorization_expiry(NOW, now=NOW + timedelta(days=10))
        assert state.expires_at == NOW + timedelta(days=365)
        assert not state.expired and not state.expiring_soon
        assert state.remaining == timedelta(days=355)

    def test_within_warning_period(self) -> None:
        state = authorization_expiry(
            NOW, now=NOW + timedelta(days=340), warn_before=timedelta(days=30)
        )
        assert state.expiring_soon and not state.expired

    def test_expired(self) -> None:
        state = authorization_expiry(NOW, now=NOW + timedelta(days=365))
        assert state.expired and not state.expiring_soon
        assert state.remaining == timedelta(0)

    def test_naive_times_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            authorization_expiry(NOW.replace(tzinfo=None), now=NOW)


class TestConfig:
    def test_repr_hides_the_secret(self) -> None:
        assert SECRET not in repr(CONFIG) and SECRET not in str(CONFIG)

    def test_every_region_needs_a_base_url(self) -> None:
        with pytest.raises(ValueError, match="FE"):
            AmazonConfig("a", "b", "c", sp_api_base_urls={"NA": "x", "EU": "y"})

    def test_orders_api_is_checked(self) -> None:
        with pytest.raises(ValueError, match="orders_api"):
            AmazonConfig("a", "b", "c", orders_api="v1")  # type: ignore[arg-type]

    def test_sandbox_layout(self) -> None:
        config = AmazonConfig.for_sandbox("http://sbx")
        assert config.lwa_token_url == "http://sbx/amazon/lwa/auth/o2/token"
        assert config.base_url("eu") == "http://sbx/amazon/sp-api"
        assert config.consent_url == "http://sbx/amazon/seller-central"
