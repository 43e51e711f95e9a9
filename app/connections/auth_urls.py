"""Where a borrower is sent to authorize an account: a fresh single-use state bound to the
borrower (and to the shop or region), and the platform's consent URL. Shared by the API and the
borrower pages, so both send the same request."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.oauth_state import issue_state
from app.connections.platforms import (
    AMAZON,
    SHOPIFY,
    TIKTOK_SHOP,
    amazon_config,
    shopify_config,
    tiktok_config,
)
from app.context import AppContext
from app.kit.errors import AppError
from connectors.amazon_sp_api import consent_url
from connectors.shopify import InvalidShopDomain, normalize_shop_domain
from connectors.shopify import authorization_url as shopify_authorization_url
from connectors.tiktok_shop import auth as tiktok_auth

AmazonRegion = Literal["NA", "EU", "FE"]


class InvalidShop(AppError):
    code = "invalid_shop"


def shop_domain(text: str) -> str:
    """The store's ``*.myshopify.com`` domain, or a clear 400: no other host is ever asked."""
    try:
        return normalize_shop_domain(text)
    except InvalidShopDomain:
        raise InvalidShop(
            "enter your store's myshopify.com domain, for example my-store.myshopify.com"
        ) from None


async def tiktok_shop_url(
    context: AppContext, session: AsyncSession, borrower_id: str, *, creator: bool = False
) -> str:
    state = await issue_state(session, context.signer, borrower_id, TIKTOK_SHOP)
    config = tiktok_config(context.settings)
    return tiktok_auth.authorization_url(config, state, creator=creator)


async def shopify_url(
    context: AppContext, session: AsyncSession, borrower_id: str, shop: str
) -> str:
    domain = shop_domain(shop)
    state = await issue_state(session, context.signer, borrower_id, SHOPIFY, account=domain)
    config = shopify_config(context.settings)
    return shopify_authorization_url(config, domain, state, context.settings.shopify_redirect_url)


async def amazon_url(
    context: AppContext, session: AsyncSession, borrower_id: str, region: AmazonRegion
) -> str:
    state = await issue_state(session, context.signer, borrower_id, AMAZON, account=region)
    config = amazon_config(context.settings)
    return consent_url(config, state, redirect_uri=context.settings.amazon_redirect_url)
