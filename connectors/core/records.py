"""Canonical records: what every platform connector yields, whatever the platform's shapes.

Records carry no buyer PII: no names, emails, phones or addresses. A buyer appears only as
``buyer_ref``, a pseudonymous hash of the platform's buyer id within one shop, used for
repeat-buyer metrics. Money is ``Decimal`` with its ISO 4217 currency; times are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    TIKTOK_SHOP = "tiktok_shop"
    SHOPIFY = "shopify"
    AMAZON = "amazon"


class AccountRole(StrEnum):
    """What the authorized account is: a shop that sells, or a creator who earns commission."""

    SELLER = "seller"
    CREATOR = "creator"


class OrderStatus(StrEnum):
    """Platform order states folded into the states scoring cares about."""

    UNPAID = "unpaid"
    ON_HOLD = "on_hold"
    AWAITING_FULFILLMENT = "awaiting_fulfillment"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


NEVER_EXPIRES = datetime(9999, 12, 31, tzinfo=UTC)
"""``access_expires_at`` of a token that does not expire (Shopify custom-app and legacy offline
tokens): far enough that no refresh is ever attempted, still a real, storable datetime."""


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Tokens and the identity they were issued for, as a platform's token endpoint returns them."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    refresh_expires_at: datetime | None
    scopes: tuple[str, ...] = ()
    account_id: str | None = None
    account_name: str | None = None
    region: str | None = None
    role: AccountRole = AccountRole.SELLER

    def __repr__(self) -> str:  # tokens must never reach a log line through a repr
        return (
            f"TokenSet(account_id={self.account_id!r}, role={self.role.value!r}, "
            f"access_expires_at={self.access_expires_at.isoformat()}, access_token=***, "
            f"refresh_token=***)"
        )


@dataclass(frozen=True, slots=True)
class ShopRecord:
    """A shop the seller authorized the app for."""

    platform: Platform
    shop_id: str
    name: str
    region: str
    currency: str | None
    seller_type: str | None = None
    cipher: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    platform: Platform
    shop_id: str
    order_id: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus
    platform_status: str
    currency: str
    total_amount: Decimal
    subtotal_amount: Decimal
    shipping_amount: Decimal
    tax_amount: Decimal
    item_count: int
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_initiator: str | None = None
    is_sample: bool = False
    fulfillment_type: str | None = None
    buyer_ref: str | None = None
    fulfillment_status: str | None = None
    """The platform's own fulfilment state when it is separate from ``platform_status``
    (Shopify: ``platform_status`` is the financial status, this the fulfilment status)."""


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    """A finance statement (payout) as the platform settled it; amounts are signed."""

    platform: Platform
    shop_id: str
    statement_id: str
    statement_time: datetime
    currency: str
    settlement_amount: Decimal
    revenue_amount: Decimal | None
    fee_amount: Decimal | None
    adjustment_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    payment_status: str | None
    payment_id: str | None = None


@dataclass(frozen=True, slots=True)
class AffiliateCommissionRecord:
    """One affiliate-attributed order, summed over its lines.

    ``role`` says which side of the commission the account is on: a seller pays it, a creator
    earns it. ``actual_commission`` is set once the platform settled the order.
    """

    platform: Platform
    account_id: str
    role: AccountRole
    order_id: str
    created_at: datetime
    status: str
    currency: str
    gross_amount: Decimal
    estimated_commission: Decimal
    actual_commission: Decimal | None
    settled: bool
    delivered_at: datetime | None = None
    commission_rate: Decimal | None = None
    """The order's commission rate as a fraction (0.155 = 15.5 %) when all its lines share one."""


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    platform: Platform
    shop_id: str
    return_id: str
    order_id: str
    return_type: str
    status: str
    created_at: datetime
    updated_at: datetime
    currency: str
    refund_amount: Decimal


Record = OrderRecord | SettlementRecord | AffiliateCommissionRecord | ReturnRecord


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point a stream can resume from; everything yielded before it is safe to commit.

    ``state`` is opaque to the app: it stores it per connection and stream and hands it back.
    ``done`` marks the end of the stream for the requested window.
    """

    stream: str
    state: dict[str, Any] = field(default_factory=dict)
    done: bool = False


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A raw record a stream could not map; the stream went on without it.

    Carries no payload (it may hold buyer PII): only the stream, why, and the platform id of
    the record when one could be read, so someone can look it up on the platform.
    """

    stream: str
    reason: str
    raw_id: str | None = None


StreamItem = Record | Checkpoint | Quarantined
"""What a stream yields."""
