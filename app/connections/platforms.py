"""Connector construction from settings: the only place the app turns settings into clients."""

from __future__ import annotations

from app.config import Settings
from app.connections.token_store import ConnectionTokenStore
from app.context import AppContext
from connectors.tiktok_shop.client import TikTokShopClient
from connectors.tiktok_shop.config import TikTokShopConfig

TIKTOK_SHOP = "tiktok_shop"


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
        timeout_s=tts.timeout_s,
    )


def tiktok_client(context: AppContext, connection_id: str) -> TikTokShopClient:
    return TikTokShopClient(
        tiktok_config(context.settings),
        context.http,
        ConnectionTokenStore(context, connection_id),
    )
