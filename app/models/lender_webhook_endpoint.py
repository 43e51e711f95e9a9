"""lender_webhook_endpoints: the HTTPS endpoints a lender registered for webhooks.

The signing secret must be read back to sign every delivery, so it is stored encrypted (the
AES-GCM envelope of `app.kit.crypto`, bound to this row and column), never hashed. After a
rotation the previous secret keeps signing beside the new one until ``previous_secret_expires_at``
so a lender can switch receivers without missing a delivery.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, new_id, utcnow


class LenderWebhookEndpoint(Base):
    __tablename__ = "lender_webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lender_id: Mapped[str] = mapped_column(ForeignKey("lenders.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The event types sent to this endpoint.
    event_types: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    secret_enc: Mapped[str] = mapped_column(Text)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
