"""A lender's score read on PostgreSQL: key, scope, grant, score and audit record in one statement.

The lender API's hot path. The steps are those of the transactional read (`lender_of`, then
`granted_score_view`, then `audit.append`), but written as one data-modifying statement run in
autocommit: one round trip to the database instead of five (BEGIN, key, view, audit, COMMIT),
and still atomic, since a statement commits whole or not at all. Its CTEs:

- ``key``: the active key with this prefix and hash, and whether it holds ``scores:read``;
- ``touched``: the key's ``last_used_at``, written at most once a minute (as `authenticate`);
- ``granted``: the borrower's score view, if the key's lender holds an active grant;
- ``audit``: the ``score.read`` event, inserted only when the key may read and a row was granted.

The key is looked up by its SHA-256 in SQL rather than compared in Python in constant time: the
hash of a 256-bit random secret gives a timing observer nothing to work towards a valid key.

SQLite has no data-modifying CTEs: there the endpoint runs the transactional read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Select,
    Subquery,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from app.lenders.keys import LAST_USED_RESOLUTION, key_hash, key_prefix
from app.models import AuditEvent, Borrower, LenderApiKey, LenderGrant
from app.scores.schemas import ScoreOut
from app.scores.view import VIEW, build

SCOPE = "scores:read"


@dataclass(frozen=True)
class ScoreRead:
    """What the statement found: no key (401), a key without the scope (403), no granted
    borrower (404), or the score, already recorded in the audit trail."""

    key_valid: bool
    may_read: bool
    score: ScoreOut | None


_AUDIT_COLUMNS = ("at", "actor_type", "actor_id", "action", "borrower_id", "ip", "user_agent")


def _statement() -> Select[Any]:
    keys = LenderApiKey
    key = (
        select(
            keys.id,
            keys.lender_id,
            type_coerce(keys.scopes, JSONB).contains([SCOPE]).label("may_read"),
        )
        .where(
            keys.prefix == bindparam("presented_prefix"),
            keys.key_hash == bindparam("presented_hash"),
            keys.revoked_at.is_(None),
            or_(keys.expires_at.is_(None), keys.expires_at > bindparam("now")),
        )
        .cte("key")
    )
    touched = (
        update(keys)
        .where(
            keys.id == select(key.c.id).scalar_subquery(),
            or_(keys.last_used_at.is_(None), keys.last_used_at <= bindparam("cutoff")),
        )
        .values(last_used_at=bindparam("now"))
        .returning(keys.id)
        .cte("touched")
    )
    reader = select(key.c.lender_id).where(key.c.may_read).scalar_subquery()
    granted: CTE = (
        VIEW.add_columns(Borrower.id.label("granted_borrower_id"))
        .where(
            exists().where(
                LenderGrant.lender_id == reader,
                LenderGrant.borrower_id == Borrower.id,
                LenderGrant.revoked_at.is_(None),
                or_(LenderGrant.expires_at.is_(None), LenderGrant.expires_at > bindparam("now")),
            )
        )
        .cte("granted")
    )
    first: Subquery = select(granted.c.status).limit(1).subquery()
    status = case((first.c.status == "scored", "scored"), else_="pending")
    audit = (
        insert(AuditEvent)
        .from_select(
            [*_AUDIT_COLUMNS, "details"],
            select(
                bindparam("now"),
                literal("lender"),
                key.c.lender_id,
                literal("score.read"),
                bindparam("borrower_id"),
                bindparam("client_ip"),
                bindparam("client_user_agent"),
                func.jsonb_build_object("key_id", key.c.id, "status", status),
            )
            .select_from(key)
            .outerjoin(first, true())
            .where(key.c.may_read, exists(select(granted.c.granted_borrower_id))),
        )
        .returning(AuditEvent.id)
        .cte("audit")
    )
    return (
        select(key.c.may_read, granted)
        .select_from(key)
        .outerjoin(granted, true())
        .order_by(granted.c.connection_created_at)
        .add_cte(touched, audit)
    )


# Built once: constructing it costs far more than running it from the compiled cache. No
# parameter is named after a column of lender_api_keys: SQLAlchemy would add it to the UPDATE's
# SET clause (the INSERT takes its values from its SELECT only).
_READ = _statement()


async def read_score(
    connection: AsyncConnection,
    presented_key: str,
    borrower_id: str,
    now: datetime,
    *,
    ip: str | None,
    user_agent: str | None,
) -> ScoreRead:
    """Run the read on ``connection``, which must be in autocommit (see the module's doc)."""
    prefix = key_prefix(presented_key)
    if prefix is None:
        return ScoreRead(key_valid=False, may_read=False, score=None)
    params = {
        "presented_prefix": prefix,
        "presented_hash": key_hash(presented_key),
        "now": now,
        "cutoff": now - LAST_USED_RESOLUTION,
        "borrower_id": borrower_id,
        "client_ip": ip,
        "client_user_agent": user_agent,
    }
    rows = (await connection.execute(_READ, params)).all()
    if not rows:
        return ScoreRead(key_valid=False, may_read=False, score=None)
    if not rows[0].may_read:
        return ScoreRead(key_valid=True, may_read=False, score=None)
    granted = [row for row in rows if row.granted_borrower_id is not None]
    score = build(borrower_id, granted) if granted else None
    return ScoreRead(key_valid=True, may_read=True, score=score)
