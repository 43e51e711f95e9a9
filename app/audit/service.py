"""Recording audit events in the caller's transaction, so an action and its record commit
together (or neither does)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.models import AuditEvent, BusinessConnection
from app.models.base import utcnow

_INSERT = insert(AuditEvent)


def origin(request: Request | None) -> dict[str, str | None]:
    """Where a request came from: client address and user agent (trimmed)."""
    if request is None:
        return {"ip": None, "user_agent": None}
    client = request.client.host if request.client else None
    return {"ip": client, "user_agent": (request.headers.get("user-agent") or "")[:256] or None}


async def append(
    connection: AsyncConnection,
    *,
    actor_type: str,
    actor_id: str | None,
    action: str,
    borrower_id: str | None = None,
    target_id: str | None = None,
    request: Request | None = None,
    **details: Any,
) -> None:
    """:func:`record` as one INSERT sent now on the caller's connection, without an ORM object:
    for the hot path (a lender's score read). Still in the caller's transaction: the read and
    its record commit together, before the answer is sent."""
    await connection.execute(
        _INSERT,
        {
            "at": utcnow(),
            "actor_type": actor_type,
            "actor_id": actor_id,
            "action": action,
            "borrower_id": borrower_id,
            "target_id": target_id,
            "details": details,
            **origin(request),
        },
    )


def record(
    session: AsyncSession,
    *,
    actor_type: str,
    actor_id: str | None,
    action: str,
    borrower_id: str | None = None,
    target_id: str | None = None,
    request: Request | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            borrower_id=borrower_id,
            target_id=target_id,
            details=details,
            **origin(request),
        )
    )


def record_connection(
    session: AsyncSession,
    action: str,
    connection: BusinessConnection,
    *,
    actor_type: str = "borrower",
    request: Request | None = None,
    **details: Any,
) -> None:
    """A connection event (connect, disconnect, revoked by the platform) about its borrower."""
    record(
        session,
        actor_type=actor_type,
        actor_id=connection.borrower_id if actor_type == "borrower" else connection.platform,
        action=action,
        borrower_id=connection.borrower_id,
        target_id=connection.id,
        request=request,
        platform=connection.platform,
        account=connection.external_account_id,
        **details,
    )
