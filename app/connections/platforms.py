"""Connector construction from settings: the only place the app turns settings into clients."""

from __future__ import annotations

from app.config import Settings
from app.connections.token_store import ConnectionTokenStore
from app.context import AppContext
from app.models import BusinessConnection
from connectors.amazon_sp_api import AmazonClient, AmazonConfig
from connectors.core.http import RetryPolicy
from connectors.shopify import ShopifyClient, ShopifyConfig
from connectors.tiktok_shop.client import TikTokShopClient
from connectors.tiktok_shop.config import TikTokShopConfig

TIKTOK_SHOP = "tiktok_shop"
SHOPIFY = "shopify"
AMAZON = "amazon"


def retry_policy(settings: Settings) -> RetryPolicy:
    retries = settings.platform_retries
    return RetryPolicy(
        attempts=retries.attempts,
        wait_initial=retries.wait_initial_s,
        wait_max=retries.wait_max_s,
        wait_jitter=retries.wait_jitter_s,
        deadline=retries.request_deadline_s,
    )


def tiktok_config(settings: Settings) -> TikTokShopConfig:
    authorize, auth_base, api_base = settings.tiktok_urls
    tts = settings.tiktok_shop
    return TikTokShopConfig(
        app_key=tts.app_key,
        app_secret=tts.app_secret.get_secret_value(),
        service_id=tts.service_id,
        authorize_url=authorize,
        # The sandbox serves sellers and creators from one consent page; the real platform has
        # a separate creator page, configured by CS_TIKTOK_SHOP__CREATOR_AUTHORIZE_URL.
        creator_authorize_url=tts.creator_authorize_url or authorize,
        auth_base_url=auth_base,
        api_base_url=api_base,
        page_size=tts.page_size,
        requests_per_second=tts.requests_per_second,
        rate_headroom=tts.rate_headroom,
        timeout_s=tts.timeout_s,
        slice_days=tts.slice_days,
    )


def tiktok_client(context: AppContext, connection_id: str) -> TikTokShopClient:
    return TikTokShopClient(
        tiktok_config(context.settings),
        context.http,
        ConnectionTokenStore(context, connection_id),
        retry=retry_policy(context.settings),
        clock=context.platform_clock,
    )


def shopify_config(settings: Settings) -> ShopifyConfig:
    shopify = settings.shopify
    return ShopifyConfig(
        client_id=shopify.client_id,
        client_secret=shopify.client_secret.get_secret_value(),
        admin_base_url_template=settings.shopify_admin_template,
        api_version=shopify.api_version,
        timeout_s=shopify.timeout_s,
    )


def shopify_client(context: AppContext, connection_id: str, shop: str) -> ShopifyClient:
    return ShopifyClient(
        shopify_config(context.settings),
        context.http,
        shop,
        ConnectionTokenStore(context, connection_id),
        retry=retry_policy(context.settings),
        clock=context.platform_clock,
    )


def amazon_config(settings: Settings) -> AmazonConfig:
    amazon = settings.amazon
    consent, token_url, api_urls = settings.amazon_urls
    return AmazonConfig(
        application_id=amazon.application_id,
        lwa_client_id=amazon.lwa_client_id,
        lwa_client_secret=amazon.lwa_client_secret.get_secret_value(),
        consent_url=consent,
        lwa_token_url=token_url,
        sp_api_base_urls=api_urls,
        orders_api=amazon.orders_api,
        timeout_s=amazon.timeout_s,
    )


def amazon_client(context: AppContext, connection: BusinessConnection) -> AmazonClient:
    return AmazonClient(
        amazon_config(context.settings),
        context.http,
        connection.external_account_id,
        connection.region or "NA",
        ConnectionTokenStore(context, connection.id),
        retry=retry_policy(context.settings),
        clock=context.platform_clock,
    )
