"""The income verification report as the API returns it (JSON), and as the HTML and PDF show it.

Every amount is a ``Decimal`` of US dollars rounded to the cent, beside ``currency: "USD"``: the
score converts each fact at the ECB reference rate of its UTC day (``scoring.fx``), and the report
shows the same converted figures so that it agrees with the score. The account's own currency is
listed with each connected account. In JSON, amounts are decimal strings (``"1234.50"``), so no
client reads them through a binary float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from app.scores.schemas import Reason, SubScores

USD = Field(description="US dollars, major units, rounded to the cent")


class PlatformMonth(BaseModel):
    """One platform's figures in one month (all the borrower's accounts on it together)."""

    platform: str = Field(description="tiktok_shop, shopify or amazon")
    currency: Literal["USD"] = "USD"
    covered_days: float = Field(
        ge=0,
        description="days of the month the platform's stored data covers (the least among its "
        "accounts): a platform that shows only 60 days leaves older months uncovered, and an "
        "uncovered month is unknown, not a month without sales",
    )
    sales: Decimal = Field(description="paid, not cancelled, not samples; USD to the cent")
    orders: int = Field(ge=0, description="number of those sales")
    refunds: Decimal = Field(description="money returned to buyers (returns refunded); USD")
    refunded_returns: int = Field(ge=0, description="returns whose refund was paid")
    return_requests: int = Field(
        ge=0, description="return or refund requests opened (not withdrawn or rejected)"
    )
    commissions: Decimal = Field(
        description="affiliate commissions earned as a creator: settled amount, else the "
        "platform's estimate at the model's discount; USD"
    )
    commission_orders: int = Field(ge=0, description="affiliate orders that earn (not void)")
    net_revenue: Decimal = Field(description="sales - refunds + commissions; USD")


class MonthRevenue(BaseModel):
    """One of the score's months: ``days_per_month`` days counted back from the as-of."""

    start: datetime = Field(description="first instant of the month (inclusive, UTC)")
    end: datetime = Field(description="end of the month (exclusive, UTC)")
    currency: Literal["USD"] = "USD"
    platforms: list[PlatformMonth]
    net_revenue: Decimal = Field(description="the platforms' net revenue added up; USD")


class PlatformTotals(BaseModel):
    """A platform's totals over the scoring window and its monthly rate as the score uses it."""

    platform: str
    currency: Literal["USD"] = "USD"
    sales: Decimal = USD
    refunds: Decimal = USD
    commissions: Decimal = USD
    net_revenue: Decimal = USD
    monthly_revenue: Decimal = Field(
        description="net revenue per month of the period the data covers (the score's "
        "monthly revenue is the sum over platforms); USD per month"
    )


class Reconciliation(BaseModel):
    """Payouts the platform settled against the order value they pay for, per account."""

    connection_id: str
    platform: str
    currency: Literal["USD"] = "USD"
    has_payouts: bool = Field(
        description="false: the account has no payout in the window, so its sales are "
        "unreconciled (nothing below is compared)"
    )
    orders_from: datetime = Field(description="orders created from (inclusive)")
    orders_to: datetime = Field(description="… to (exclusive)")
    payouts_from: datetime = Field(
        description="payouts dated from (inclusive): the order span shifted by the settlement lag"
    )
    payouts_to: datetime = Field(description="… to (exclusive)")
    order_revenue: Decimal = Field(description="sales created in the order span; USD")
    settled: Decimal = Field(description="payout gross (before fees) in the payout span; USD")
    gap: Decimal = Field(description="settled - order_revenue; USD")
    gap_share: Decimal | None = Field(
        description="gap / order_revenue, a fraction to 4 decimals (-0.1 = 10% less settled "
        "than ordered); null when there is no order revenue"
    )
    flagged: bool = Field(
        description="the score judged the gap unexplained (beyond the model's tolerance on a "
        "material amount): it lowers confidence and appears among the reasons"
    )


class ConnectedAccount(BaseModel):
    connection_id: str
    platform: str
    role: str = Field(description="seller (a shop) or creator (an affiliate account)")
    name: str | None = Field(description="the shop's or creator's name on the platform")
    region: str | None
    currency: str | None = Field(description="the account's own currency (ISO 4217)")
    status: str = Field(description="active, needs_reauth or error (revoked ones are not listed)")
    sync_state: str
    data_as_of: datetime | None = Field(description="the last successful pull of this account")
    data_window_start: datetime | None = Field(description="the stored data covers from …")
    data_window_end: datetime | None = Field(description="… to")
    in_score: bool = Field(description="the score and the figures include this account")


class Report(BaseModel):
    """Income verification report of one borrower, as of the latest score."""

    borrower_id: str
    generated_at: datetime = Field(description="when this report was produced")
    status: Literal["scored", "pending"] = Field(
        description="pending: no score can be given yet; the reasons say why, and the figures "
        "show what is known so far"
    )
    model_version: str = Field(description="the scoring model the figures and score come from")
    as_of: datetime = Field(description="the instant the score and figures are computed at")
    window_start: datetime = Field(description="the scoring window: from (inclusive) …")
    window_end: datetime = Field(description="… to (exclusive), equal to as_of")
    data_as_of: datetime | None = Field(
        description="the oldest last successful pull among the accounts in the score: no "
        "figure is older than its account's pull, none is fresher than this"
    )
    composite: float | None = Field(default=None, ge=0, le=100)
    sub_scores: SubScores | None = None
    tier: str | None = Field(default=None, description="A (best) to E, from the composite")
    confidence: Literal["high", "medium", "low"] | None = None
    monthly_revenue_usd: Decimal | None = Field(
        default=None, description="the score's net revenue per month; USD per month"
    )
    order_count: int | None = Field(default=None, ge=0, description="sales in the window")
    reasons: list[Reason] = []
    currency: Literal["USD"] = Field(default="USD", description="the currency of every amount")
    months: list[MonthRevenue] = Field(description="the score's months, oldest first")
    platforms: list[PlatformTotals]
    reconciliation: list[Reconciliation]
    connections: list[ConnectedAccount]
