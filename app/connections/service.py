"""Connecting platform accounts: code exchange, account discovery, storing encrypted tokens.

Services never commit; the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.platforms import TIKTOK_SHOP, tiktok_config
from app.connections.token_crypto import write_tokens
from app.context import AppContext
from app.kit.errors import AppError, BadGateway
from app.models import Borrower, BusinessConnection, ConnectionStatus, SyncState
from connectors.core.errors import ConnectorError
from connectors.core.records import AccountRole, Platform, ShopRecord, TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import auth as tiktok_auth
from connectors.tiktok_shop.client import TikTokShopClient


class ConnectFailed(AppError):
    """The platform authorized nothing we can use; ``code`` is shown to the borrower."""


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
            client = TikTokShopClient(config, context.http, MemoryTokenStore(tokens))
            accounts = await client.authorized_shops()
    except ConnectorError as exc:
        raise BadGateway(f"TikTok Shop refused the connection: {exc.message}") from None
    if not accounts:
        raise ConnectFailed(
            "this TikTok Shop account has no active shop to connect", code="no_active_shop"
        )
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
    connection = await session.scalar(
        select(BusinessConnection).where(
            BusinessConnection.borrower_id == borrower.id,
            BusinessConnection.platform == TIKTOK_SHOP,
            BusinessConnection.external_account_id == account.shop_id,
        )
    )
    if connection is None:
        connection = BusinessConnection(
            borrower_id=borrower.id, platform=TIKTOK_SHOP, external_account_id=account.shop_id
        )
        session.add(connection)
        await session.flush()  # the row id is the tokens' associated data
    connection.authorization_id = tokens.account_id
    connection.role = tokens.role.value
    connection.status = ConnectionStatus.ACTIVE.value
    connection.status_reason = None
    connection.shop_name = account.name
    connection.region = account.region or tokens.region
    connection.currency = account.currency
    connection.seller_type = account.seller_type
    connection.shop_cipher = account.cipher
    connection.sync_state = SyncState.PENDING.value
    write_tokens(context.keyring, connection, tokens)
    return connection
