"""Orders as the platform reports them, newest state of each; amounts in the order's currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import Money, UTCDateTime
from app.models.base import Base
from app.models.fact import FactMixin


class Order(FactMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(32))
    platform_status: Mapped[str] = mapped_column(String(64))
    total_amount: Mapped[Decimal] = mapped_column(Money())
    subtotal_amount: Mapped[Decimal] = mapped_column(Money())
    shipping_amount: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money())
    item_count: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_initiator: Mapped[str | None] = mapped_column(String(16))
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    fulfillment_type: Mapped[str | None] = mapped_column(String(64))
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    # Pseudonymous hash of the platform's buyer id within the shop (repeat-buyer metrics).
    buyer_ref: Mapped[str | None] = mapped_column(String(64))
