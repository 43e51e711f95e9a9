"""The sync lease: at most one pull per connection at a time, across every process and machine.

A pull takes the lease with one conditional UPDATE (free, expired, or already ours), renews it in
the same transaction as every page it commits, and gives it back at the end. A process that dies
holding it (SIGKILL, a lost machine) blocks the connection only until the lease expires; the next
pull then resumes from the last committed checkpoint. Lease times are wall-clock time, not the
service's business clock (which tests pin to a date).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import BusinessConnection


class LeaseLost(RuntimeError):
    """Another pull took the connection over (our lease had expired): stop without writing."""


def new_owner() -> str:
    """Who holds a lease, readable in the database: host, process and a unique suffix."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def wall_clock() -> datetime:
    return datetime.now(UTC)


async def acquire(session: AsyncSession, connection_id: str, owner: str, ttl: timedelta) -> bool:
    """Take the lease if it is free, expired or ours; True when we hold it."""
    now = wall_clock()
    result = await session.execute(
        update(BusinessConnection)
        .where(
            BusinessConnection.id == connection_id,
            or_(
                BusinessConnection.sync_lease_until.is_(None),
                BusinessConnection.sync_lease_until < now,
                BusinessConnection.sync_lease_owner == owner,
            ),
        )
        .values(sync_lease_owner=owner, sync_lease_until=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def renew(session: AsyncSession, connection_id: str, owner: str, ttl: timedelta) -> None:
    """Extend our lease within the caller's transaction; ``LeaseLost`` if it is not ours."""
    result = await session.execute(
        update(BusinessConnection)
        .where(
            and_(
                BusinessConnection.id == connection_id,
                BusinessConnection.sync_lease_owner == owner,
            )
        )
        .values(sync_lease_until=wall_clock() + ttl)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise LeaseLost(f"connection {connection_id}: the sync lease was taken over")


async def release(session: AsyncSession, connection_id: str, owner: str) -> None:
    await session.execute(
        update(BusinessConnection)
        .where(
            BusinessConnection.id == connection_id,
            BusinessConnection.sync_lease_owner == owner,
        )
        .values(sync_lease_owner=None, sync_lease_until=None)
        .execution_options(synchronize_session=False)
    )
