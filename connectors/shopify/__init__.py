"""Shopify connector: app OAuth (HMAC-verified callbacks, expiring offline tokens), pasted
custom-app tokens, GraphQL orders with cost-aware throttling, and webhooks.

Every host comes from ``ShopifyConfig.admin_base_url_template`` filled with a shop domain that
passed ``normalize_shop_domain``. Importing the package attaches the ``httpx`` log filter that
masks secret query values (shared with the other connectors).
"""

from connectors.core.pii import install_httpx_log_redaction
from connectors.shopify.auth import (
    ShopCallback,
    authorization_url,
    exchange_code,
    parse_scopes,
    parse_token_response,
    refresh,
    verify_callback,
    verify_signed_query,
)
from connectors.shopify.client import ShopifyClient, check_graphql, check_http
from connectors.shopify.config import DEFAULT_API_VERSION, DEFAULT_SCOPES, ShopifyConfig
from connectors.shopify.errors import (
    InvalidCallback,
    InvalidCredentials,
    InvalidShopDomain,
    InvalidWebhook,
)
from connectors.shopify.models import (
    DEFAULT_VISIBLE_DAYS,
    ShopInfo,
    records_from_graphql,
    visible_days,
    visible_since,
)
from connectors.shopify.rest import records_from_rest_order, refund_from_rest
from connectors.shopify.shop_domain import is_shop_domain, normalize_shop_domain
from connectors.shopify.webhooks import (
    COMPLIANCE_TOPICS,
    ORDER_TOPICS,
    REFUND_TOPICS,
    UNINSTALLED_TOPIC,
    ShopifyWebhook,
    parse_webhook,
    records_from_webhook,
    verify_webhook,
    webhook_hmac,
)

install_httpx_log_redaction()

__all__ = [
    "COMPLIANCE_TOPICS",
    "DEFAULT_API_VERSION",
    "DEFAULT_SCOPES",
    "DEFAULT_VISIBLE_DAYS",
    "ORDER_TOPICS",
    "REFUND_TOPICS",
    "UNINSTALLED_TOPIC",
    "InvalidCallback",
    "InvalidCredentials",
    "InvalidShopDomain",
    "InvalidWebhook",
    "ShopCallback",
    "ShopInfo",
    "ShopifyClient",
    "ShopifyConfig",
    "ShopifyWebhook",
    "authorization_url",
    "check_graphql",
    "check_http",
    "exchange_code",
    "is_shop_domain",
    "normalize_shop_domain",
    "parse_scopes",
    "parse_token_response",
    "parse_webhook",
    "records_from_graphql",
    "records_from_rest_order",
    "records_from_webhook",
    "refresh",
    "refund_from_rest",
    "verify_callback",
    "verify_signed_query",
    "verify_webhook",
    "visible_days",
    "visible_since",
    "webhook_hmac",
]
