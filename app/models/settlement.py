"""Settlements: the platform's finance statements (payouts), signed amounts as settled."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import Money, UTCDateTime
from app.models.base import Base
from app.models.fact import FactMixin


class Settlement(FactMixin, Base):
    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    statement_time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    settlement_amount: Mapped[Decimal] = mapped_column(Money())
    revenue_amount: Mapped[Decimal | None] = mapped_column(Money())
    fee_amount: Mapped[Decimal | None] = mapped_column(Money())
    adjustment_amount: Mapped[Decimal | None] = mapped_column(Money())
    shipping_cost_amount: Mapped[Decimal | None] = mapped_column(Money())
    payment_status: Mapped[str | None] = mapped_column(String(32))
    payment_id: Mapped[str | None] = mapped_column(String(128))
