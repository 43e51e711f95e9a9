"""Connecting TikTok Shop accounts: code exchange, then one connection per authorized shop (or
the creator account). Services never commit; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.platforms import TIKTOK_SHOP, tiktok_config
from app.connections.service import store_connection
from app.context import AppContext
from app.kit.errors import AppError, BadGateway
from app.models import Borrower, BusinessConnection
from connectors.core.errors import ConnectorError, NeedsReauth
from connectors.core.records import AccountRole, Platform, ShopRecord, TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import auth as tiktok_auth
from connectors.tiktok_shop.client import TikTokShopClient


class ConnectFailed(AppError):
    """The platform authorized nothing we can use; ``code`` is shown to the borrower."""


# The markets TikTok Shop documents (region codes of its regions-and-languages page, each with a
# currency the scoring converts). A shop elsewhere cannot be scored, so it is not connected.
SUPPORTED_REGIONS = frozenset(
    {"BR", "DE", "ES", "FR", "GB", "ID", "IE", "IT", "JP", "MX", "MY", "PH", "SG", "TH", "US", "VN"}
)
# TikTok's "the app is not authorized for this API's scope" (reference: error codes).
_MISSING_SCOPE = 105005


async def connect_tiktok_shop(
    context: AppContext, session: AsyncSession, borrower: Borrower, code: str
) -> list[BusinessConnection]:
    """Exchange the authorization code and store one connection per authorized account."""
    config = tiktok_config(context.settings)
    try:
        tokens = await tiktok_auth.exchange_code(context.http, config, code)
        if tokens.role is AccountRole.CREATOR:
            accounts = [_creator_account(tokens)]
        else:
            client = TikTokShopClient(
                config, context.http, MemoryTokenStore(tokens), clock=context.platform_clock
            )
            accounts = await client.authorized_shops()
    except NeedsReauth as exc:
        if exc.code != _MISSING_SCOPE:
            raise BadGateway(f"TikTok Shop refused the connection: {exc.message}") from None
        raise ConnectFailed(
            f"the authorization lacks a permission the service needs ({exc.message})",
            code="permission_missing",
        ) from None
    except ConnectorError as exc:
        raise BadGateway(f"TikTok Shop refused the connection: {exc.message}") from None
    if not accounts:
        raise ConnectFailed(
            "this TikTok Shop account has no active shop to connect", code="no_active_shop"
        )
    supported = [a for a in accounts if not a.region or a.region.upper() in SUPPORTED_REGIONS]
    if not supported:
        regions = ", ".join(sorted({a.region for a in accounts}))
        raise ConnectFailed(
            f"TikTok Shop region {regions} is not supported", code="region_not_supported"
        )
    accounts = supported
    return [
        await _store_account(context, session, borrower, tokens, account) for account in accounts
    ]


def _creator_account(tokens: TokenSet) -> ShopRecord:
    if not tokens.account_id:
        raise ConnectFailed("TikTok did not identify the creator account", code="no_account")
    return ShopRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=tokens.account_id,
        name=tokens.account_name or "TikTok creator",
        region=tokens.region or "",
        currency=None,
    )


async def _store_account(
    context: AppContext,
    session: AsyncSession,
    borrower: Borrower,
    tokens: TokenSet,
    account: ShopRecord,
) -> BusinessConnection:
    return await store_connection(
        context,
        session,
        borrower,
        TIKTOK_SHOP,
        account.shop_id,
        tokens,
        authorization_id=tokens.account_id,
        role=tokens.role.value,
        shop_name=account.name,
        region=account.region or tokens.region,
        currency=account.currency,
        seller_type=account.seller_type,
        shop_cipher=account.cipher,
    )
