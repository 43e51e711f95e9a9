"""The score as the API shows it, to lenders and to the borrower alike."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.models import BusinessConnection, Score


class SubScores(BaseModel):
    revenue: float = Field(ge=0, le=100, description="40% of the composite")
    consistency: float = Field(ge=0, le=100, description="20% of the composite")
    reliability: float = Field(ge=0, le=100, description="20% of the composite")
    growth: float = Field(ge=0, le=100, description="20% of the composite")


class Reason(BaseModel):
    code: str
    sub_score: str
    message: str


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
        description="pending: no connection has finished its first full pull yet"
    )
    composite: float | None = Field(default=None, ge=0, le=100)
    sub_scores: SubScores | None = None
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

    @classmethod
    def build(
        cls, borrower_id: str, score: Score | None, connections: list[BusinessConnection]
    ) -> ScoreOut:
        freshness = [
            ConnectionFreshness.model_validate(c, from_attributes=True) for c in connections
        ]
        if score is None:
            return cls(borrower_id=borrower_id, status="pending", connections=freshness)
        return cls(
            borrower_id=borrower_id,
            status="scored",
            composite=score.composite,
            sub_scores=SubScores(
                revenue=score.revenue,
                consistency=score.consistency,
                reliability=score.reliability,
                growth=score.growth,
            ),
            monthly_revenue_usd=score.monthly_revenue_usd,
            order_count=score.order_count,
            reasons=[Reason.model_validate(r) for r in score.reasons],
            model_version=score.model_version,
            as_of=score.as_of,
            window_start=score.window_start,
            window_end=score.window_end,
            data_as_of=score.data_as_of,
            connections=freshness,
        )
