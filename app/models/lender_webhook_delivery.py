"""lender_webhook_deliveries: one event to one endpoint, with its attempts so far (the delivery
log lenders read).

``next_attempt_at`` is when a worker should try next; a worker that takes a delivery moves it a
claim period ahead first, so a worker that dies mid-send leaves it due again (at least once).
The receiver's answer is kept only as its status code and a short excerpt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import UTCDateTime
from app.models.base import Base, new_id, utcnow


class LenderWebhookDelivery(Base):
    __tablename__ = "lender_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_lender_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("lender_webhook_events.id", ondelete="CASCADE")
    )
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("lender_webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    # "pending" (due at next_attempt_at), "delivered", "failed" (gave up) or "cancelled" (the
    # borrower revoked the lender's access, or the endpoint was disabled, before it was sent).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the current round of attempts began (creation, or a redelivery): the age limit's start.
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_response_excerpt: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
