"""Request and response bodies of the lender webhook API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

EventType = Literal["score.updated", "connection.needs_reauth"]
ALL_EVENTS: tuple[EventType, ...] = ("score.updated", "connection.needs_reauth")


class EndpointIn(BaseModel):
    url: str = Field(
        max_length=2048,
        description="https:// URL that receives the events (it must answer 2xx within 10 s)",
    )
    description: str = Field(default="", max_length=200)
    event_types: list[EventType] = Field(
        default_factory=lambda: list(ALL_EVENTS),
        min_length=1,
        description="the events this endpoint receives",
    )


class EndpointPatch(BaseModel):
    enabled: bool | None = Field(
        default=None, description="false stops deliveries (pending ones are cancelled)"
    )
    description: str | None = Field(default=None, max_length=200)
    event_types: list[EventType] | None = Field(default=None, min_length=1)


class EndpointOut(BaseModel):
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="until then, deliveries are also signed with the old secret"
    )


class EndpointCreated(EndpointOut):
    secret: str = Field(description="the signing secret: shown this once, store it now")


class RotateIn(BaseModel):
    previous_secret_hours: int | None = Field(
        default=None,
        ge=0,
        le=168,
        description="how long the old secret still signs beside the new one (default 24)",
    )


class SecretOut(BaseModel):
    secret: str = Field(description="the new signing secret: shown this once, store it now")
    previous_secret_expires_at: datetime | None


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response_excerpt: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
