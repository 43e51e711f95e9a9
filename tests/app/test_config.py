"""Settings: environment variables with nested sections, and refusal of defaults in production."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from app.config import Settings

REAL = {
    "CS_ENV": "production",
    "CS_SECRET_KEY": "a-real-secret-from-the-vault-0123456789abcdef",
    "CS_ENCRYPTION_KEYS": '{"k2026": "' + base64.b64encode(b"k" * 32).decode() + '"}',
    "CS_SANDBOX__ENABLED": "false",
    "CS_TIKTOK_SHOP__APP_KEY": "6abc123",
    "CS_TIKTOK_SHOP__APP_SECRET": "real-app-secret",
    "CS_TIKTOK_SHOP__SERVICE_ID": "7400000000000000001",
    "CS_TIKTOK_SHOP__AUTHORIZE_URL": "https://services.tiktokshop.com/open/authorize",
    "CS_TIKTOK_SHOP__AUTH_BASE_URL": "https://auth.tiktok-shops.com",
    "CS_TIKTOK_SHOP__API_BASE_URL": "https://open-api.tiktokglobalshop.com",
    "CS_SHOPIFY__CLIENT_ID": "real-client-id",
    "CS_SHOPIFY__CLIENT_SECRET": "real-client-secret",
    "CS_SHOPIFY__ADMIN_BASE_URL_TEMPLATE": "https://{shop}",
    "CS_AMAZON__APPLICATION_ID": "amzn1.sellerapps.app.real",
    "CS_AMAZON__LWA_CLIENT_ID": "amzn1.application-oa2-client.real",
    "CS_AMAZON__LWA_CLIENT_SECRET": "real-lwa-secret",
    "CS_AMAZON__CONSENT_URL": "https://sellercentral.amazon.com",
    "CS_AMAZON__LWA_TOKEN_URL": "https://api.amazon.com/auth/o2/token",
    "CS_AMAZON__SP_API_BASE_URL__NA": "https://sellingpartnerapi-na.amazon.com",
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in REAL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class TestSettings:
    def test_development_defaults_point_at_the_mounted_sandbox(
        self, environment: pytest.MonkeyPatch
    ) -> None:
        settings = Settings()
        assert settings.resolved_database_url.startswith("sqlite:///")
        assert settings.tiktok_urls == (
            "http://127.0.0.1:8000/sandbox/tiktok-shop/authorize",
            "http://127.0.0.1:8000/sandbox/tiktok-shop/auth",
            "http://127.0.0.1:8000/sandbox/tiktok-shop/api",
        )

    def test_nested_sections_come_from_the_environment(
        self, environment: pytest.MonkeyPatch
    ) -> None:
        for name, value in REAL.items():
            environment.setenv(name, value)
        environment.setenv("CS_DATABASE_URL", "postgresql://app@db/creditscore")
        settings = Settings()
        assert settings.tiktok_shop.app_key == "6abc123"
        assert settings.tiktok_shop.app_secret.get_secret_value() == "real-app-secret"
        assert settings.tiktok_urls[2] == "https://open-api.tiktokglobalshop.com"
        assert list(settings.encryption_keys) == ["k2026"]
        assert settings.resolved_database_url == "postgresql://app@db/creditscore"
        assert settings.amazon.sp_api_base_url == {"NA": "https://sellingpartnerapi-na.amazon.com"}

    def test_production_refuses_sandbox_and_default_secrets(
        self, environment: pytest.MonkeyPatch
    ) -> None:
        environment.setenv("CS_ENV", "production")
        with pytest.raises(ValidationError) as caught:
            Settings()
        message = str(caught.value)
        for problem in (
            "CS_SECRET_KEY is the development default",
            "CS_ENCRYPTION_KEYS still holds the development key",
            "CS_SANDBOX__ENABLED must be false",
            "sandbox credentials",
            "CS_TIKTOK_SHOP__API_BASE_URL must point at TikTok Shop",
            "CS_SHOPIFY__CLIENT_ID/CLIENT_SECRET are the sandbox credentials",
            "CS_SHOPIFY__ADMIN_BASE_URL_TEMPLATE must be https://{shop}",
            "CS_AMAZON__APPLICATION_ID/LWA_CLIENT_SECRET are the sandbox's",
            "CS_AMAZON__SP_API_BASE_URL__<REGION> must point at Amazon",
        ):
            assert problem in message

    @pytest.mark.parametrize(
        "missing",
        [
            "CS_SECRET_KEY",
            "CS_TIKTOK_SHOP__APP_SECRET",
            "CS_TIKTOK_SHOP__API_BASE_URL",
            "CS_SHOPIFY__CLIENT_SECRET",
            "CS_SHOPIFY__ADMIN_BASE_URL_TEMPLATE",
            "CS_AMAZON__LWA_CLIENT_SECRET",
            "CS_AMAZON__SP_API_BASE_URL__NA",
        ],
    )
    def test_production_refuses_each_default_alone(
        self, environment: pytest.MonkeyPatch, missing: str
    ) -> None:
        for name, value in REAL.items():
            if name != missing:
                environment.setenv(name, value)
        with pytest.raises(ValidationError, match="refusing to start in production"):
            Settings()

    def test_production_with_real_settings_starts(self, environment: pytest.MonkeyPatch) -> None:
        for name, value in REAL.items():
            environment.setenv(name, value)
        assert Settings().env.value == "production"

    @pytest.mark.parametrize(
        ("keys", "error"),
        [
            ("{}", "at least one key"),
            ('{"k": "not base64!"}', "not valid base64"),
            ('{"k": "' + base64.b64encode(b"short").decode() + '"}', "32 bytes"),
        ],
    )
    def test_bad_encryption_keys(
        self, environment: pytest.MonkeyPatch, keys: str, error: str
    ) -> None:
        environment.setenv("CS_ENCRYPTION_KEYS", keys)
        with pytest.raises(ValidationError, match=error):
            Settings()
