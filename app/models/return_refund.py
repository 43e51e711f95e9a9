"""Returns and refunds requested on a connection's orders, with the refunded amount."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import Money, UTCDateTime
from app.models.base import Base
from app.models.fact import FactMixin


class Return(FactMixin, Base):
    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    order_external_id: Mapped[str] = mapped_column(String(128), index=True)
    return_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refund_amount: Mapped[Decimal] = mapped_column(Money())
