"""The score as the API shows it, to lenders and to the borrower alike."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SubScores(BaseModel):
    revenue: float = Field(ge=0, le=100, description="40% of the composite")
    consistency: float = Field(ge=0, le=100, description="20% of the composite")
    reliability: float = Field(ge=0, le=100, description="20% of the composite")
    growth: float = Field(ge=0, le=100, description="20% of the composite")


class Reason(BaseModel):
    code: str = Field(description="stable reason code from the model's taxonomy")
    sub_score: str | None = Field(
        default=None, description="the sub-score the reason lowered (none for pending reasons)"
    )
    points_lost: float | None = Field(default=None, description="composite points it cost")
    message: str = Field(description="the reason in words, with the borrower's own figures")


class ConnectionFreshness(BaseModel):
    platform: str
    status: str
    sync_state: str
    last_synced_at: datetime | None
    data_window_start: datetime | None
    data_window_end: datetime | None


class ScoreOut(BaseModel):
    borrower_id: str
    status: Literal["scored", "pending"] = Field(
        description="pending: the evidence does not cover the scoring window yet (a pull is "
        "still running or the data is stale); the reasons say what is missing"
    )
    composite: float | None = Field(default=None, ge=0, le=100)
    sub_scores: SubScores | None = None
    tier: str | None = Field(default=None, description="A (best) to E, from the composite")
    confidence: Literal["high", "medium", "low"] | None = Field(
        default=None, description="how complete and consistent the evidence is"
    )
    monthly_revenue_usd: float | None = None
    order_count: int | None = None
    reasons: list[Reason] = []
    model_version: str | None = None
    as_of: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    data_as_of: datetime | None = Field(
        default=None, description="the oldest last successful sync among the scored connections"
    )
    connections: list[ConnectionFreshness] = []
