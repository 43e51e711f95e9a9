"""lender_webhook_events: the outbox of events for lenders, written with the change they report.

An event row commits in the same transaction as the score or connection change it describes,
together with one delivery per endpoint that should receive it (`LenderWebhookDelivery`), so an
event is never lost after a commit nor sent for a change that rolled back. The payload is what
every recipient gets, byte for byte: ids, figures and reasons, never buyer data or tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, utcnow


class LenderWebhookEvent(Base):
    __tablename__ = "lender_webhook_events"

    # "evt_" and 32 hex digits: the id lenders deduplicate by, the same on every redelivery.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(48))
    borrower_id: Mapped[str] = mapped_column(
        ForeignKey("borrowers.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
