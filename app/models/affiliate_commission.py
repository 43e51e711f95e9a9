"""Affiliate commissions: paid by a seller's shop (role seller) or earned by a creator."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import Money, UTCDateTime
from app.models.base import Base
from app.models.fact import FactMixin


class AffiliateCommission(FactMixin, Base):
    __tablename__ = "affiliate_commissions"
    __table_args__ = (UniqueConstraint("connection_id", "role", "external_id"),)

    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(32))
    gross_amount: Mapped[Decimal] = mapped_column(Money())
    estimated_commission: Mapped[Decimal] = mapped_column(Money())
    actual_commission: Mapped[Decimal | None] = mapped_column(Money())
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
