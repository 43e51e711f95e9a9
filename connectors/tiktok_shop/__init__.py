"""TikTok Shop connector: OAuth, signed API calls, streams of canonical records, webhooks.

Importing it attaches a filter to the ``httpx`` logger that masks secret query values
(the token endpoints carry ``app_secret`` and tokens in the URL, which httpx logs at INFO).
"""

from connectors.core.pii import install_httpx_log_redaction
from connectors.tiktok_shop.auth import authorization_url, exchange_code, parse_token_data, refresh
from connectors.tiktok_shop.client import TikTokShopClient, check_response
from connectors.tiktok_shop.config import (
    API_BASE_URL,
    AUTH_BASE_URL,
    AUTHORIZE_URL,
    AUTHORIZE_URL_US,
    AUTHORIZE_URL_US_ALT,
    CREATOR_AUTHORIZE_URL,
    REGION_CURRENCY,
    TikTokShopConfig,
)
from connectors.tiktok_shop.signing import TikTokShopSigner, compute_sign
from connectors.tiktok_shop.webhooks import (
    WebhookEvent,
    WebhookType,
    parse_webhook,
    verify_webhook,
    webhook_signature,
)

install_httpx_log_redaction()

__all__ = [
    "API_BASE_URL",
    "AUTHORIZE_URL",
    "AUTHORIZE_URL_US",
    "AUTHORIZE_URL_US_ALT",
    "AUTH_BASE_URL",
    "CREATOR_AUTHORIZE_URL",
    "REGION_CURRENCY",
    "TikTokShopClient",
    "TikTokShopConfig",
    "TikTokShopSigner",
    "WebhookEvent",
    "WebhookType",
    "authorization_url",
    "check_response",
    "compute_sign",
    "exchange_code",
    "parse_token_data",
    "parse_webhook",
    "refresh",
    "verify_webhook",
    "webhook_signature",
]
