"""Amazon Selling Partner API connector: website authorization through Login with Amazon,
orders (v2026-01-01 searchOrders or deprecated v0 getOrders), Finances 2024-06-19 transactions,
per-(seller, operation) token buckets, and a single-order lookup for verifying order numbers.

No Restricted Data Token is ever requested and no buyer PII is mapped. Importing the package
attaches the ``httpx`` log filter that masks secret query values (shared with the others).
"""

from connectors.amazon_sp_api.auth import (
    AUTHORIZATION_LIFETIME,
    AmazonCallback,
    AuthorizationExpiry,
    InvalidCallback,
    authorization_expiry,
    check_seller,
    consent_url,
    exchange_code,
    parse_callback,
    refresh,
)
from connectors.amazon_sp_api.client import AmazonClient, NotFound
from connectors.amazon_sp_api.config import (
    DEFAULT_RATES,
    MARKETPLACES,
    AmazonConfig,
    MarketplaceInfo,
    OrdersApi,
    RatePlan,
)
from connectors.amazon_sp_api.models import (
    Marketplace,
    event_group_to_record,
    marketplaces_from_participations,
    order_from_v0,
    order_from_v2026,
    transaction_to_record,
)
from connectors.core.pii import install_httpx_log_redaction

install_httpx_log_redaction()

__all__ = [
    "AUTHORIZATION_LIFETIME",
    "DEFAULT_RATES",
    "MARKETPLACES",
    "AmazonCallback",
    "AmazonClient",
    "AmazonConfig",
    "AuthorizationExpiry",
    "InvalidCallback",
    "Marketplace",
    "MarketplaceInfo",
    "NotFound",
    "OrdersApi",
    "RatePlan",
    "authorization_expiry",
    "check_seller",
    "consent_url",
    "event_group_to_record",
    "exchange_code",
    "marketplaces_from_participations",
    "order_from_v0",
    "order_from_v2026",
    "parse_callback",
    "refresh",
    "transaction_to_record",
]
