"""The audit log: who read or changed what, when, from where. Append-only.

Rows name borrowers, lenders and keys by id without foreign keys, so the record of an access
outlives what was accessed (a deleted connection, a revoked key). The service never updates or
deletes a row; on PostgreSQL a trigger refuses it outright (migration 0005).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import JSONDoc, UTCDateTime
from app.models.base import Base, BigIntPK, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # borrower | lender | operator | platform
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    # e.g. score.read, grant.create, grant.revoke, connection.connect, connection.disconnect,
    # key.create, key.revoke, key.rotate
    action: Mapped[str] = mapped_column(String(48))
    # Whose data the event concerns (what a borrower sees in GET /api/audit).
    borrower_id: Mapped[str | None] = mapped_column(String(36), index=True)
    target_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
