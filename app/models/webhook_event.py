"""The webhook inbox: every verified delivery, once.

A delivery is keyed by the platform's delivery id (Shopify's X-Shopify-Webhook-Id, stable across
retries), so a replayed or concurrent duplicate hits the unique constraint and changes nothing.
The payload is not kept: platform webhooks carry customer PII, and what we need from them is
applied at once (an order upserted, a connection revoked, a shop's data deleted).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import UTCDateTime
from app.models.base import Base, BigIntPK, utcnow


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("platform", "delivery_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str | None] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(256), index=True)
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the service did with it, in words (never the payload).
    outcome: Mapped[str | None] = mapped_column(Text)
