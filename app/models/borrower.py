"""Borrowers: the people (sellers, creators) whose shops are scored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.types import UTCDateTime
from app.models.base import Base, new_id, utcnow


class Borrower(Base):
    __tablename__ = "borrowers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Who proved this identity: "dev:<name>" for the development sign-in; later
    # "supabase:<sub>" or "siwe:<address>". Unique so a sign-in finds its borrower.
    subject: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
