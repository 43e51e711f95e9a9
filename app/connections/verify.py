"""Verify, don't trust: an order number a borrower reports counts only once the platform, asked
with the seller's own authorization, returns it for that seller, not cancelled, not yet counted.

Whatever else the platform returns about the order (buyer data included) is never stored: only
the canonical order record, which has no place for it, is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.platforms import AMAZON, TIKTOK_SHOP, amazon_client, tiktok_client
from app.context import AppContext
from app.kit.errors import AppError, BadGateway, Conflict, NotFound
from app.kit.upsert import upsert
from app.models import Borrower, BusinessConnection, ConnectionStatus, Order
from app.sync.rows import TARGETS, to_row
from connectors.core.errors import ConnectorError
from connectors.core.records import OrderRecord, OrderStatus, Platform, ShopRecord

ORDER_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class NotVerified(AppError):
    status_code = 422
    code = "not_verified"


@dataclass(frozen=True)
class VerifiedOrder:
    platform: str
    order_number: str
    created_at: datetime
    status: str
    total: Decimal
    currency: str


async def _lookup(
    context: AppContext, connection: BusinessConnection, order_number: str
) -> OrderRecord | None:
    if connection.platform == AMAZON:
        return await amazon_client(context, connection).order(order_number)
    shop = ShopRecord(
        platform=Platform.TIKTOK_SHOP,
        shop_id=connection.external_account_id,
        name=connection.shop_name or "",
        region=connection.region or "",
        currency=connection.currency,
        cipher=connection.shop_cipher,
    )
    return await tiktok_client(context, connection.id).order(shop, order_number)


async def verify_order(
    context: AppContext,
    session: AsyncSession,
    borrower: Borrower,
    platform: str,
    order_number: str,
) -> VerifiedOrder:
    if platform not in (AMAZON, TIKTOK_SHOP):
        raise NotFound(f"order verification is not available for {platform}")
    number = order_number.strip()
    if not ORDER_NUMBER.fullmatch(number):
        raise NotVerified("an order number has letters, digits and dashes only")
    connections = list(
        await session.scalars(
            select(BusinessConnection).where(
                BusinessConnection.borrower_id == borrower.id,
                BusinessConnection.platform == platform,
                BusinessConnection.status == ConnectionStatus.ACTIVE.value,
                BusinessConnection.role == "seller",
            )
        )
    )
    if not connections:
        raise NotFound("connect your seller account first: orders are checked against it")
    found: tuple[BusinessConnection, OrderRecord] | None = None
    for connection in connections:
        try:
            record = await _lookup(context, connection, number)
        except ConnectorError as exc:
            raise BadGateway(f"the platform could not be asked: {exc.message}") from None
        if record is not None:
            found = (connection, record)
            break
    if found is None:
        raise NotVerified("no order with this number exists in your connected seller account")
    connection, record = found
    if record.status is OrderStatus.CANCELLED:
        raise NotVerified("this order was cancelled, so it does not count")
    counted = await session.scalar(
        select(Order.id).where(
            Order.connection_id == connection.id, Order.external_id == record.order_id
        )
    )
    if counted is not None:
        raise Conflict("this order is already counted")
    target = TARGETS[OrderRecord]
    row = to_row(
        record, connection_id=connection.id, borrower_id=borrower.id, seen_at=context.clock()
    )
    await upsert(session, target.model, [row], target.key)
    return VerifiedOrder(
        platform=platform,
        order_number=record.order_id,
        created_at=record.created_at,
        status=record.status.value,
        total=record.total_amount,
        currency=record.currency,
    )
