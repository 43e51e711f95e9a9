"""business_connections: one row per borrower × platform × external account (shop or creator).

Tokens are stored only as AES-256-GCM envelopes (app.kit.crypto) bound to this row's id; the
columns are write-only from the API's point of view: nothing ever returns them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, new_id, utcnow


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    REVOKED = "revoked"
    ERROR = "error"


class SyncState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class BusinessConnection(Base):
    __tablename__ = "business_connections"
    __table_args__ = (UniqueConstraint("borrower_id", "platform", "external_account_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    borrower_id: Mapped[str] = mapped_column(
        ForeignKey("borrowers.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    # The platform's id of the shop (seller) or of the creator account.
    external_account_id: Mapped[str] = mapped_column(String(128))
    # The platform authorization the tokens belong to (TikTok open_id): one authorization may
    # cover several shops, and then several rows share it.
    authorization_id: Mapped[str | None] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(16), default="seller")
    status: Mapped[str] = mapped_column(String(16), default=ConnectionStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    shop_name: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str | None] = mapped_column(String(3))
    seller_type: Mapped[str | None] = mapped_column(String(32))
    shop_cipher: Mapped[str | None] = mapped_column(String(256))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    granted_scopes: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # Per stream: what is stored up to when, and where a cut-off pull resumes (app.sync.plan).
    sync_cursors: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    sync_state: Mapped[str] = mapped_column(String(16), default=SyncState.PENDING.value)
    # The period the stored data covers completely (set when a full pull finishes).
    data_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shop_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How many days back the platform lets us see (Shopify without read_all_orders: 60);
    # null means the whole history. Scoring lowers confidence instead of assuming zero sales.
    visible_days: Mapped[int | None] = mapped_column(Integer)
    # The platform API version the connection was verified and pulled with, where it has one.
    api_version: Mapped[str | None] = mapped_column(String(16))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # At most one pull per connection in any process: who holds it and until when (renewed at
    # every checkpoint; a holder that died releases it by letting it expire).
    sync_lease_owner: Mapped[str | None] = mapped_column(String(64))
    sync_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
