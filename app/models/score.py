"""Score history: every computed score with its model version, inputs' as-of and reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, new_id, utcnow


class Score(Base):
    __tablename__ = "scores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    borrower_id: Mapped[str] = mapped_column(
        ForeignKey("borrowers.id", ondelete="CASCADE"), index=True
    )
    model_version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    # The oldest last-sync time among the connections scored: how fresh the evidence is.
    data_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    composite: Mapped[float] = mapped_column(Float)
    revenue: Mapped[float] = mapped_column(Float)
    consistency: Mapped[float] = mapped_column(Float)
    reliability: Mapped[float] = mapped_column(Float)
    growth: Mapped[float] = mapped_column(Float)
    monthly_revenue_usd: Mapped[float] = mapped_column(Float)
    order_count: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    connection_ids: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
