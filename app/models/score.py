"""Score history: every computed score with its model version, inputs' as-of and reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, new_id, utcnow


class Score(Base):
    __tablename__ = "scores"
    # The latest score of a borrower (every score read) is the last entry of this index, not a
    # sort of the borrower's whole history; it also serves the foreign key's lookups.
    __table_args__ = (Index("ix_scores_borrower_latest", "borrower_id", "computed_at", "as_of"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    # The oldest last-sync time among the connections scored: how fresh the evidence is.
    data_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "scored", or "pending" while the evidence does not cover the window yet (then the
    # numbers are null and the reasons say what is missing).
    status: Mapped[str] = mapped_column(String(16), default="scored", server_default="scored")
    composite: Mapped[float | None] = mapped_column(Float)
    revenue: Mapped[float | None] = mapped_column(Float)
    consistency: Mapped[float | None] = mapped_column(Float)
    reliability: Mapped[float | None] = mapped_column(Float)
    growth: Mapped[float | None] = mapped_column(Float)
    tier: Mapped[str | None] = mapped_column(String(4))
    confidence: Mapped[str | None] = mapped_column(String(8))
    monthly_revenue_usd: Mapped[float | None] = mapped_column(Float)
    order_count: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    connection_ids: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
