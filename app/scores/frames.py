"""The database's facts as the canonical frames `scoring` reads (also the analysts' entry point).

A connection counts once a full pull has completed (its data window is set) and while it is
not revoked; borrowers without such a connection are not scored yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.kit.types import Money, UTCDateTime
from app.models import (
    AffiliateCommission,
    BusinessConnection,
    ConnectionStatus,
    Order,
    Return,
    Settlement,
    SyncRun,
)
from app.sync.coverage import covered_span
from scoring import Frames

Column = InstrumentedAttribute[Any]


def _facts(model: Any, **columns: Column) -> dict[str, Column]:
    """The identifying columns every frame carries, then the frame's own."""
    return {
        "borrower_id": model.borrower_id,
        "connection_id": model.connection_id,
        "platform": model.platform,
        **columns,
    }


# Frame name → frame column → table column. Types follow from the table columns. A fact is
# "observed" when a pull first stored it: scoring as of a date uses only what was known then.
FRAME_COLUMNS: Mapping[str, Mapping[str, Column]] = {
    "orders": _facts(
        Order,
        order_id=Order.external_id,
        created_at=Order.created_at,
        updated_at=Order.updated_at,
        observed_at=Order.first_seen_at,
        status=Order.status,
        currency=Order.currency,
        total_amount=Order.total_amount,
        is_sample=Order.is_sample,
        paid_at=Order.paid_at,
        cancelled_at=Order.cancelled_at,
        delivered_at=Order.delivered_at,
        buyer_ref=Order.buyer_ref,
    ),
    "returns": _facts(
        Return,
        return_id=Return.external_id,
        order_id=Return.order_external_id,
        created_at=Return.created_at,
        updated_at=Return.updated_at,
        observed_at=Return.first_seen_at,
        status=Return.status,
        return_type=Return.return_type,
        currency=Return.currency,
        refund_amount=Return.refund_amount,
    ),
    "commissions": _facts(
        AffiliateCommission,
        order_id=AffiliateCommission.external_id,
        created_at=AffiliateCommission.created_at,
        observed_at=AffiliateCommission.first_seen_at,
        role=AffiliateCommission.role,
        status=AffiliateCommission.status,
        currency=AffiliateCommission.currency,
        estimated_commission=AffiliateCommission.estimated_commission,
        actual_commission=AffiliateCommission.actual_commission,
        settled=AffiliateCommission.settled,
    ),
    "settlements": _facts(
        Settlement,
        statement_id=Settlement.external_id,
        statement_time=Settlement.statement_time,
        observed_at=Settlement.first_seen_at,
        currency=Settlement.currency,
        settlement_amount=Settlement.settlement_amount,
        revenue_amount=Settlement.revenue_amount,
        fee_amount=Settlement.fee_amount,
    ),
    "connections": {
        "borrower_id": BusinessConnection.borrower_id,
        "connection_id": BusinessConnection.id,
        "platform": BusinessConnection.platform,
        "role": BusinessConnection.role,
        "region": BusinessConnection.region,
        "currency": BusinessConnection.currency,
        "seller_type": BusinessConnection.seller_type,
        "shop_created_at": BusinessConnection.shop_created_at,
        "data_start": BusinessConnection.data_window_start,
        "data_end": BusinessConnection.data_window_end,
        "visible_days": BusinessConnection.visible_days,
        "created_at": BusinessConnection.created_at,
    },
}


def _frame(rows: Sequence[Any], columns: Mapping[str, Column]) -> pd.DataFrame:
    """Rows → a typed frame; Decimal amounts become float64 here and only here."""
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(columns))
    for name, column in columns.items():
        kind = column.type
        if isinstance(kind, Money):
            frame[name] = pd.Series(
                [None if v is None else float(v) for v in frame[name]], dtype="float64"
            )
        elif isinstance(kind, UTCDateTime):
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("ns")
        elif kind.python_type is bool:
            frame[name] = frame[name].astype(bool)
        elif kind.python_type is int:
            frame[name] = frame[name].astype("Int64")
        else:
            frame[name] = frame[name].astype("str")  # None stays missing
    return frame


async def _windows_as_of(
    session: AsyncSession, frame: pd.DataFrame, as_of: datetime
) -> pd.DataFrame:
    """Each connection's data window as its pulls finished by ``as_of`` had covered it (none
    yet: not complete then). A connection with no recorded pull at all keeps its stored window."""
    runs = await session.execute(
        select(
            SyncRun.connection_id, SyncRun.window_start, SyncRun.window_end, SyncRun.finished_at
        ).where(
            SyncRun.connection_id.in_(frame["connection_id"].tolist()),
            SyncRun.status == "complete",
        )
    )
    pulled: set[str] = set()
    finished: dict[str, list[tuple[datetime, datetime]]] = {}
    for connection_id, start, end, finished_at in runs:
        pulled.add(connection_id)
        if finished_at is not None and finished_at <= as_of:
            finished.setdefault(connection_id, []).append((start, end))
    starts: list[Any] = []
    ends: list[Any] = []
    for connection_id, start, end in frame[["connection_id", "data_start", "data_end"]].itertuples(
        index=False
    ):
        window: tuple[Any, Any] = (start, end)
        if connection_id in pulled:
            window = covered_span(finished.get(connection_id, ())) or (None, None)
        starts.append(window[0])
        ends.append(window[1])
    return frame.assign(data_start=_utc(starts, frame.index), data_end=_utc(ends, frame.index))


def _utc(values: list[Any], index: pd.Index) -> pd.Series:
    return pd.to_datetime(pd.Series(values, index=index, dtype=object), utc=True).dt.as_unit("ns")


def _connections(frame: pd.DataFrame) -> pd.DataFrame:
    """A connection whose first full pull has not finished covers nothing yet: its window is
    empty at its creation, and scoring reports the borrower as pending."""
    complete = frame["data_start"].notna()
    frame["sync_complete"] = complete
    frame["data_start"] = frame["data_start"].where(complete, frame["created_at"])
    frame["data_end"] = frame["data_end"].where(complete, frame["created_at"])
    return frame.drop(columns=["created_at"])


def _row_order(name: str, columns: Mapping[str, Column]) -> list[Column]:
    """The borrower, then the frame's key (its contract's unique columns).

    The same stored facts always load in the same order, so a score computed twice from them
    agrees to the last bit (a float sum's last bit follows the order its terms are added in,
    and a cent can round either way); and each borrower's rows come together, in the order of
    the connections frame, which is how :mod:`scoring.chunks` cuts a batch without copying.
    """
    unique = Frames.SCHEMAS[name].to_schema().unique or []
    keys = [unique] if isinstance(unique, str) else list(unique)
    return [columns["borrower_id"], *(columns[key] for key in keys if key != "borrower_id")]


async def load_frames(
    session: AsyncSession,
    borrower_ids: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> Frames:
    """Canonical frames for ``borrower_ids`` (all borrowers when None), as the data stood at
    ``as_of`` (now when None).

    Every connection that is not revoked counts, including one still on its first pull (the
    borrower is then pending); revoked connections and their data are left out. As of a past
    date, connections made later are left out too, and each connection's data window is the one
    its pulls finished by then had covered (:mod:`app.sync.coverage`); which facts were known
    then is the scoring's business (their ``observed_at``).
    """
    scored = select(BusinessConnection.id).where(
        BusinessConnection.status != ConnectionStatus.REVOKED.value
    )
    if borrower_ids is not None:
        scored = scored.where(BusinessConnection.borrower_id.in_(list(borrower_ids)))
    if as_of is not None:
        scored = scored.where(BusinessConnection.created_at <= as_of)

    frames: dict[str, pd.DataFrame] = {}
    for name, columns in FRAME_COLUMNS.items():
        statement: Select[Any] = (
            select(*columns.values())
            .where(columns["connection_id"].in_(scored))
            .order_by(*_row_order(name, columns))
        )
        frames[name] = _frame((await session.execute(statement)).all(), columns)
    if as_of is not None:
        frames["connections"] = await _windows_as_of(session, frames["connections"], as_of)
    frames["connections"] = _connections(frames["connections"])
    empty = Frames.empty()
    # Shop health (ratings, violations) is not pulled from any platform yet, and FX rates come
    # from scoring's own ECB tables, so both frames start empty.
    return Frames(**frames, shop_health=empty.shop_health, fx_rates=empty.fx_rates)
