"""Assembling a borrower's income verification report from the stored facts and latest score.

The figures are recomputed with :func:`scoring.breakdown.breakdown` over the frames the score
reads (:func:`app.scores.frames.load_frames`), at the score's as-of and over the accounts the
score used, so they agree with it: facts first stored after that as-of are left out, exactly as
the score left them out. Without any score yet the figures are as of now over the accounts
connected so far, and the report says the borrower is pending.

Turning the model's float USD into ``Decimal`` cents happens here and only here (presentation);
month and window totals are sums of the rounded cells, so every table adds up exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import BusinessConnection, ConnectionStatus, Score
from app.models.base import utcnow
from app.reports.schemas import (
    ConnectedAccount,
    MonthRevenue,
    PlatformMonth,
    PlatformTotals,
    Reconciliation,
    Report,
)
from app.scores.frames import load_frames
from app.scores.schemas import Reason, SubScores
from app.scores.service import latest_score
from scoring import DEFAULT_PARAMS, MODEL_VERSION, Frames
from scoring.breakdown import Breakdown, breakdown

CENT = Decimal("0.01")
SHARE = Decimal("0.0001")

NO_SCORE = Reason(
    code="NO_COMPLETE_DATA",
    message="No connected account has finished its first 90-day pull yet",
)


def dollars(value: float) -> Decimal:
    """A float USD amount as Decimal cents (never ``-0.00``)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN) + 0


def _share(value: float) -> Decimal | None:
    return None if pd.isna(value) else Decimal(value).quantize(SHARE, ROUND_HALF_EVEN) + 0


async def _connections(session: AsyncSession, borrower_id: str) -> list[BusinessConnection]:
    """The borrower's accounts that are not revoked, oldest first (revoked ones withdrew their
    data from the score, so the report does not list them either)."""
    return list(
        await session.scalars(
            select(BusinessConnection)
            .where(
                BusinessConnection.borrower_id == borrower_id,
                BusinessConnection.status != ConnectionStatus.REVOKED.value,
            )
            .order_by(BusinessConnection.created_at, BusinessConnection.id)
        )
    )


def _only(frames: Frames, connection_ids: set[str]) -> Frames:
    """``frames`` restricted to the given connections."""
    return frames.replace(
        **{
            name: frame[frame["connection_id"].isin(connection_ids)].reset_index(drop=True)
            for name in ("orders", "returns", "commissions", "settlements", "connections")
            for frame in [getattr(frames, name)]
        }
    )


async def _figures(
    session: AsyncSession,
    borrower_id: str,
    as_of: datetime,
    score: Score | None,
    connections: Sequence[BusinessConnection],
) -> Breakdown | None:
    """The figures as of ``as_of`` over the accounts the score used (all when none), in the
    order of ``connections`` (oldest first), so platforms keep their order across reports."""
    frames = await load_frames(session, [borrower_id], as_of=as_of)
    wanted = [c.id for c in connections if score is None or c.id in score.connection_ids]
    frames = _only(frames, set(wanted))
    position = {connection_id: i for i, connection_id in enumerate(wanted)}
    ordered = frames.connections.sort_values(
        "connection_id", key=lambda ids: ids.map(position), kind="stable"
    ).reset_index(drop=True)
    if ordered.empty:
        return None
    # Pure pandas work: off the event loop, like scoring itself.
    return await asyncio.to_thread(
        breakdown, frames.replace(connections=ordered), pd.Timestamp(as_of)
    )


def _months(figures: Breakdown | None) -> list[MonthRevenue]:
    if figures is None:
        return []
    monthly = figures.monthly
    platforms = list(dict.fromkeys(monthly["platform"]))
    sums = monthly.groupby(["month", "platform"], sort=False).agg(
        start=("month_start", "first"),
        end=("month_end", "first"),
        covered_days=("covered_days", "min"),
        sales=("sales_usd", "sum"),
        orders=("order_count", "sum"),
        refunds=("refunds_usd", "sum"),
        refunded_returns=("refund_count", "sum"),
        return_requests=("return_count", "sum"),
        commissions=("commission_usd", "sum"),
        commission_orders=("commission_count", "sum"),
    )
    months: list[MonthRevenue] = []
    for month in sorted(set(monthly["month"]), reverse=True):  # oldest first
        cells = []
        for platform in platforms:
            row = sums.loc[(month, platform)]
            sales, refunds, commissions = (
                dollars(row["sales"]),
                dollars(row["refunds"]),
                dollars(row["commissions"]),
            )
            cells.append(
                PlatformMonth(
                    platform=platform,
                    covered_days=round(float(row["covered_days"]), 2),
                    sales=sales,
                    orders=int(row["orders"]),
                    refunds=refunds,
                    refunded_returns=int(row["refunded_returns"]),
                    return_requests=int(row["return_requests"]),
                    commissions=commissions,
                    commission_orders=int(row["commission_orders"]),
                    net_revenue=sales - refunds + commissions,
                )
            )
        first = sums.loc[(month, platforms[0])]
        months.append(
            MonthRevenue(
                start=first["start"].to_pydatetime(),
                end=first["end"].to_pydatetime(),
                platforms=cells,
                net_revenue=sum((cell.net_revenue for cell in cells), Decimal("0.00")),
            )
        )
    return months


def _platform_totals(figures: Breakdown | None) -> list[PlatformTotals]:
    if figures is None:
        return []
    conns = figures.connections
    sums = conns.groupby("platform", sort=False)[
        ["sales_usd", "refunds_usd", "commission_usd", "monthly_revenue_usd"]
    ].sum()
    out = []
    for platform, row in sums.iterrows():
        sales, refunds = dollars(row["sales_usd"]), dollars(row["refunds_usd"])
        commissions = dollars(row["commission_usd"])
        out.append(
            PlatformTotals(
                platform=str(platform),
                sales=sales,
                refunds=refunds,
                commissions=commissions,
                net_revenue=sales - refunds + commissions,
                monthly_revenue=dollars(row["monthly_revenue_usd"]),
            )
        )
    return out


def _reconciliation(figures: Breakdown | None) -> list[Reconciliation]:
    if figures is None:
        return []
    return [
        Reconciliation(
            connection_id=row["connection_id"],
            platform=row["platform"],
            has_payouts=bool(row["has_payouts"]),
            orders_from=row["orders_from"].to_pydatetime(),
            orders_to=row["orders_to"].to_pydatetime(),
            payouts_from=row["payouts_from"].to_pydatetime(),
            payouts_to=row["payouts_to"].to_pydatetime(),
            order_revenue=dollars(row["ordered_usd"]),
            settled=dollars(row["settled_usd"]),
            gap=dollars(row["settled_usd"]) - dollars(row["ordered_usd"]),
            gap_share=_share(row["gap_share"]),
            flagged=bool(row["flagged"]),
        )
        for row in figures.connections.to_dict(orient="records")
    ]


def _account(connection: BusinessConnection, in_score: bool) -> ConnectedAccount:
    return ConnectedAccount(
        connection_id=connection.id,
        platform=connection.platform,
        role=connection.role,
        name=connection.shop_name,
        region=connection.region,
        currency=connection.currency,
        status=connection.status,
        sync_state=connection.sync_state,
        data_as_of=connection.last_synced_at,
        data_window_start=connection.data_window_start,
        data_window_end=connection.data_window_end,
        in_score=in_score,
    )


def _oldest_sync(connections: Sequence[BusinessConnection]) -> datetime | None:
    """The freshness of a set of accounts: the oldest last pull (none if one never finished)."""
    synced = [c.last_synced_at for c in connections]
    if not synced or any(s is None for s in synced):
        return None
    return min(s for s in synced if s is not None)


async def monthly_revenue_by_platform(
    session: AsyncSession, borrower_id: str
) -> list[MonthRevenue]:
    """The borrower's monthly revenue per platform (USD), as of the latest score, oldest month
    first; empty while nothing is connected. The input of :func:`app.reports.chart`'s chart."""
    score = await latest_score(session, borrower_id)
    as_of = score.as_of if score is not None else utcnow()
    connections = await _connections(session, borrower_id)
    return _months(await _figures(session, borrower_id, as_of, score, connections))


def _score_fields(score: Score | None, included: Sequence[BusinessConnection]) -> dict[str, Any]:
    """The report's score part: the stored score's, or pending with its reason when none."""
    if score is None:
        now = utcnow()
        return {
            "status": "pending",
            "model_version": MODEL_VERSION,
            "as_of": now,
            "window_start": now - timedelta(days=DEFAULT_PARAMS.window.days),
            "window_end": now,
            "data_as_of": _oldest_sync(included),
            "reasons": [NO_SCORE],
        }
    fields: dict[str, Any] = {
        "status": "scored" if score.status == "scored" else "pending",
        "model_version": score.model_version,
        "as_of": score.as_of,
        "window_start": score.window_start,
        "window_end": score.window_end,
        "data_as_of": score.data_as_of,
        "monthly_revenue_usd": (
            None if score.monthly_revenue_usd is None else dollars(score.monthly_revenue_usd)
        ),
        "order_count": score.order_count,
        "reasons": [Reason.model_validate(r) for r in score.reasons],
    }
    if score.status == "scored":
        fields.update(
            composite=score.composite,
            sub_scores=SubScores.model_validate(score, from_attributes=True),
            tier=score.tier,
            confidence=score.confidence,
        )
    return fields


async def build_report(session: AsyncSession, borrower_id: str) -> Report:
    """The borrower's report as of the latest score (see the module docstring)."""
    score = await latest_score(session, borrower_id)
    connections = await _connections(session, borrower_id)
    in_score = set(score.connection_ids) if score is not None else {c.id for c in connections}
    fields = _score_fields(score, [c for c in connections if c.id in in_score])
    figures = await _figures(session, borrower_id, fields["as_of"], score, connections)
    return Report(
        borrower_id=borrower_id,
        generated_at=utcnow(),
        **fields,
        months=_months(figures),
        platforms=_platform_totals(figures),
        reconciliation=_reconciliation(figures),
        connections=[_account(c, c.id in in_score) for c in connections],
    )
