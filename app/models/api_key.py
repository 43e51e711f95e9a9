"""Lender API keys, stored as SHA-256 hashes and found by their public prefix.

A key is ``csk_<prefix>_<secret>``; the prefix is shown in listings so a lender can tell keys
apart, the whole key is shown once at creation and never again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, new_id, utcnow


class LenderApiKey(Base):
    __tablename__ = "lender_api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lender_id: Mapped[str] = mapped_column(ForeignKey("lenders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A key may be issued for a period (a pilot, a contractor); past it the key stops working.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
