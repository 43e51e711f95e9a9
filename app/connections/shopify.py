"""Connecting Shopify stores: the OAuth callback (after its HMAC is verified) and a pasted
custom-app Admin API token (after the store accepted it). Services never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.platforms import SHOPIFY, shopify_config
from app.connections.service import store_connection
from app.context import AppContext
from app.kit.errors import AppError, BadGateway
from app.models import Borrower, BusinessConnection
from connectors.core.errors import ConnectorError
from connectors.core.records import NEVER_EXPIRES, TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import (
    InvalidCredentials,
    ShopCallback,
    ShopifyClient,
    exchange_code,
    visible_days,
)


class TokenRejected(AppError):
    code = "invalid_token"


async def connect_with_code(
    context: AppContext, session: AsyncSession, borrower: Borrower, callback: ShopCallback
) -> BusinessConnection:
    """Exchange a verified callback's code and store the store's connection."""
    config = shopify_config(context.settings)
    try:
        tokens = await exchange_code(
            context.http,
            config,
            callback.shop,
            callback.code,
            expiring=context.settings.shopify.expiring_tokens,
        )
    except ConnectorError as exc:
        raise BadGateway(f"Shopify refused the connection: {exc.message}") from None
    try:
        return await _connect(context, session, borrower, callback.shop, tokens)
    except InvalidCredentials as exc:
        # The store approved, but without read_orders (or the new token does not work): an
        # answer for the borrower, not a 500.
        if exc.code == "missing_scope":
            raise AppError(
                f"{callback.shop} granted no permission to read orders",
                code="permission_missing",
            ) from None
        raise BadGateway(f"Shopify refused the new token: {exc.message}") from None


async def connect_with_token(
    context: AppContext, session: AsyncSession, borrower: Borrower, shop: str, access_token: str
) -> BusinessConnection:
    """Store a merchant's own Admin API token once the store accepted it; nothing otherwise."""
    tokens = TokenSet(
        access_token=access_token,
        access_expires_at=NEVER_EXPIRES,
        refresh_token=None,
        refresh_expires_at=None,
    )
    try:
        return await _connect(context, session, borrower, shop, tokens)
    except InvalidCredentials as exc:
        raise TokenRejected(
            f"{shop} did not accept this access token ({exc.message}); check the token and "
            "that the custom app has the read_orders scope"
        ) from None


async def _connect(
    context: AppContext, session: AsyncSession, borrower: Borrower, shop: str, tokens: TokenSet
) -> BusinessConnection:
    client = ShopifyClient(
        shopify_config(context.settings),
        context.http,
        shop,
        MemoryTokenStore(tokens),
        clock=context.platform_clock,
    )
    try:
        info = await client.verify_token()
        products = await client.product_count()
    except InvalidCredentials:
        raise
    except ConnectorError as exc:
        raise BadGateway(f"Shopify did not answer as expected: {exc.message}") from None
    scopes = info.scopes or tokens.scopes
    connection = await store_connection(
        context,
        session,
        borrower,
        SHOPIFY,
        info.domain,
        TokenSet(
            access_token=tokens.access_token,
            access_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=tokens.refresh_expires_at,
            scopes=tuple(scopes),
        ),
        authorization_id=info.domain,
        role="seller",
        shop_name=info.name,
        region=None,
        currency=info.currency,
        shop_created_at=info.created_at,
        visible_days=visible_days(scopes),
        api_version=context.settings.shopify.api_version,
        metrics={"product_count": products, "plan": info.plan},
    )
    return connection


async def borrower_stores(session: AsyncSession, borrower_id: str) -> list[BusinessConnection]:
    return list(
        await session.scalars(
            select(BusinessConnection)
            .where(
                BusinessConnection.borrower_id == borrower_id,
                BusinessConnection.platform == SHOPIFY,
            )
            .order_by(BusinessConnection.created_at)
        )
    )
