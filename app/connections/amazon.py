"""Connecting Amazon sellers (website authorization through Login with Amazon) and verifying
order numbers a borrower reports against the seller's authorized account."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.platforms import AMAZON, amazon_config
from app.connections.service import store_connection
from app.context import AppContext
from app.kit.errors import AppError, BadGateway
from app.models import Borrower, BusinessConnection
from connectors.amazon_sp_api import AmazonCallback, AmazonClient, exchange_code
from connectors.core.errors import ConnectorError
from connectors.core.tokens import MemoryTokenStore


class NoMarketplace(AppError):
    code = "no_marketplace"


async def connect_with_code(
    context: AppContext,
    session: AsyncSession,
    borrower: Borrower,
    callback: AmazonCallback,
    region: str,
) -> BusinessConnection:
    """Exchange the code, find the marketplaces the seller sells in, store the connection."""
    config = amazon_config(context.settings)
    try:
        tokens = await exchange_code(
            context.http,
            config,
            callback.code,
            context.settings.amazon_redirect_url,
            selling_partner_id=callback.selling_partner_id,
            region=region,
        )
        client = AmazonClient(
            config,
            context.http,
            callback.selling_partner_id,
            region,
            MemoryTokenStore(tokens),
            clock=context.platform_clock,
        )
        marketplaces = await client.marketplaces()
    except ConnectorError as exc:
        raise BadGateway(f"Amazon refused the connection: {exc.message}") from None
    if not marketplaces:
        raise NoMarketplace("this Amazon seller account sells in no marketplace of the region")
    primary = marketplaces[0]
    return await store_connection(
        context,
        session,
        borrower,
        AMAZON,
        callback.selling_partner_id,
        tokens,
        authorization_id=callback.selling_partner_id,
        role="seller",
        shop_name=f"Amazon seller {callback.selling_partner_id}",
        region=region,
        currency=primary.currency,
        metrics={
            "marketplaces": [
                {"id": m.marketplace_id, "country": m.country, "currency": m.currency}
                for m in marketplaces
            ]
        },
    )


def marketplace_ids(connection: BusinessConnection) -> list[str]:
    return [m["id"] for m in (connection.metrics or {}).get("marketplaces", [])]
