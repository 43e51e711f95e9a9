"""Lenders' score reads on PostgreSQL: key, scope, grant, score and audit record in one statement,
for every read that arrived together.

The lender API's hot path. Each read takes the steps of the transactional read (`lender_of`,
then `granted_score_view`, then `audit.append`), but the reads that arrive in the same turn of the
event loop are answered by one data-modifying statement run in autocommit (`TurnBatcher`): one
round trip for many reads instead of five per read (BEGIN, key, view, audit, COMMIT), and still
atomic, since a statement commits whole or not at all. Under load, a read's cost was mostly that
statement's way through SQLAlchemy, psycopg and the event loop, paid once per batch now.

The reads come in as arrays, unnested ``WITH ORDINALITY`` into ``requested`` (one row per read,
numbered ``n``). Then, each read on its own row:

- ``key``: the active key with the read's prefix and hash, and whether it holds ``scores:read``;
- ``touched``: the keys' ``last_used_at``, written at most once a minute (as `authenticate`),
  skipping a key row another statement holds locked;
- ``granted``: the borrower's score view, if the key's lender holds an active grant;
- ``audit``: one ``score.read`` event per read whose key may read and that found its borrower.

Every read is answered on its own: a key unknown to one read (401), without the scope (403) or a
borrower not granted (404) leaves the other reads of the batch as they are. Each read's grant and
key expiry are checked at the time the read arrived, which is also its audit record's time.

A key is looked up by its SHA-256 in SQL rather than compared in Python in constant time: the
hash of a 256-bit random secret gives a timing observer nothing to work towards a valid key.

SQLite has no data-modifying CTEs: there the endpoint runs the transactional read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    DateTime,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from app.kit.turn_batch import TurnBatcher
from app.lenders.keys import LAST_USED_RESOLUTION, key_hash, key_prefix
from app.models import AuditEvent, Borrower, LenderApiKey, LenderGrant
from app.scores.schemas import ScoreOut
from app.scores.view import build, view_of

SCOPE = "scores:read"
# Reads answered by one statement at most: its arrays, and the wait for the slowest read in it,
# stay bounded. Beyond it, the reads of one turn leave as several statements.
MAX_BATCH = 64


@dataclass(frozen=True)
class ScoreRead:
    """What the statement found for one read: no key (401), a key without the scope (403), no
    granted borrower (404), or the score, already recorded in the audit trail."""

    key_valid: bool
    may_read: bool
    score: ScoreOut | None


@dataclass(frozen=True)
class ReadRequest:
    """One read, as it arrived: the presented key's prefix and hash, the borrower, its origin."""

    prefix: str
    presented_hash: str
    borrower_id: str
    at: datetime
    ip: str | None
    user_agent: str | None


NO_KEY = ScoreRead(key_valid=False, may_read=False, score=None)
NO_SCOPE = ScoreRead(key_valid=True, may_read=False, score=None)
NOT_GRANTED = ScoreRead(key_valid=True, may_read=True, score=None)

_AUDIT_COLUMNS = ("at", "actor_type", "actor_id", "action", "borrower_id", "ip", "user_agent")


def _requested() -> CTE:
    arrays = func.unnest(
        bindparam("prefixes", type_=ARRAY(String)),
        bindparam("hashes", type_=ARRAY(String)),
        bindparam("borrower_ids", type_=ARRAY(String)),
        bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
        bindparam("ips", type_=ARRAY(String)),
        bindparam("user_agents", type_=ARRAY(String)),
    ).table_valued(
        column("prefix", String),
        column("presented_hash", String),
        column("borrower_id", String),
        column("at", DateTime(timezone=True)),
        column("ip", String),
        column("user_agent", String),
        with_ordinality="n",
    )
    return select(arrays.render_derived(name="read")).cte("requested")


def _statement() -> Select[Any]:
    keys = LenderApiKey
    requested = _requested()
    key = (
        select(
            requested.c.n,
            keys.id,
            keys.lender_id,
            type_coerce(keys.scopes, JSONB).contains([SCOPE]).label("may_read"),
        )
        .join_from(
            requested,
            keys,
            and_(keys.prefix == requested.c.prefix, keys.key_hash == requested.c.presented_hash),
        )
        .where(
            keys.revoked_at.is_(None),
            or_(keys.expires_at.is_(None), keys.expires_at > requested.c.at),
        )
        .cte("key")
    )
    # A key row another statement holds locked is skipped, not waited for: that statement is
    # touching it or changing it (a revocation), and the next read touches it if still due.
    # Waiting would queue reads behind it, and two batches locking the same keys in opposite
    # orders would deadlock.
    due_key = aliased(LenderApiKey)
    due = (
        select(due_key.id)
        .where(
            due_key.id.in_(select(key.c.id)),
            or_(due_key.last_used_at.is_(None), due_key.last_used_at <= bindparam("cutoff")),
        )
        .with_for_update(key_share=True, skip_locked=True)
    )
    touched = (
        update(keys)
        .where(keys.id.in_(due))
        .values(last_used_at=bindparam("now"))
        .returning(keys.id)
        .cte("touched")
    )
    granted: CTE = (
        view_of(requested.c.borrower_id)
        .add_columns(requested.c.n.label("read_n"), Borrower.id.label("granted_borrower_id"))
        .where(
            key.c.n == requested.c.n,
            key.c.may_read,
            exists().where(
                LenderGrant.lender_id == key.c.lender_id,
                LenderGrant.borrower_id == Borrower.id,
                LenderGrant.revoked_at.is_(None),
                or_(LenderGrant.expires_at.is_(None), LenderGrant.expires_at > requested.c.at),
            ),
        )
        .cte("granted")
    )
    # A read's status is its latest score's (every row of one read carries the same score).
    first_status = (
        select(granted.c.status).where(granted.c.read_n == key.c.n).limit(1).scalar_subquery()
    )
    status = case((first_status == "scored", "scored"), else_="pending")
    audit = (
        insert(AuditEvent)
        .from_select(
            [*_AUDIT_COLUMNS, "details"],
            select(
                requested.c.at,
                literal("lender"),
                key.c.lender_id,
                literal("score.read"),
                requested.c.borrower_id,
                requested.c.ip,
                requested.c.user_agent,
                func.jsonb_build_object("key_id", key.c.id, "status", status),
            )
            .join_from(key, requested, requested.c.n == key.c.n)
            .where(key.c.may_read, exists().where(granted.c.read_n == key.c.n))
            .order_by(key.c.n),
        )
        .returning(AuditEvent.id)
        .cte("audit")
    )
    return (
        select(requested.c.n, key.c.may_read, *(c for c in granted.c if c.name != "read_n"))
        .select_from(requested)
        .outerjoin(key, key.c.n == requested.c.n)
        .outerjoin(granted, granted.c.read_n == requested.c.n)
        .order_by(requested.c.n, granted.c.connection_created_at)
        .add_cte(touched, audit)
    )


# Built once: constructing it costs far more than running it from the compiled cache. No
# parameter is named after a column of lender_api_keys: SQLAlchemy would add it to the UPDATE's
# SET clause (the INSERT takes its values from its SELECT only).
_READ = _statement()


def request(
    presented_key: str,
    borrower_id: str,
    at: datetime,
    *,
    ip: str | None,
    user_agent: str | None,
) -> ReadRequest | None:
    """The read of ``presented_key``, or None when it cannot be a key at all (401 at once)."""
    prefix = key_prefix(presented_key)
    if prefix is None:
        return None
    return ReadRequest(prefix, key_hash(presented_key), borrower_id, at, ip, user_agent)


async def read_scores(engine: AsyncEngine, reads: Sequence[ReadRequest]) -> list[ScoreRead]:
    """Answer ``reads`` with one statement in autocommit on a connection of ``engine``."""
    now = max(read.at for read in reads)
    params = {
        "prefixes": [read.prefix for read in reads],
        "hashes": [read.presented_hash for read in reads],
        "borrower_ids": [read.borrower_id for read in reads],
        "ats": [read.at for read in reads],
        "ips": [read.ip for read in reads],
        "user_agents": [read.user_agent for read in reads],
        "now": now,
        "cutoff": now - LAST_USED_RESOLUTION,
    }
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        rows = (await connection.execute(_READ, params)).all()
    by_read: defaultdict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        by_read[row.n].append(row)
    # WITH ORDINALITY numbers the reads from 1; every read has at least its own row.
    return [_answer(read, by_read[n]) for n, read in enumerate(reads, start=1)]


def _answer(read: ReadRequest, rows: list[Row[Any]]) -> ScoreRead:
    first = rows[0]
    if first.may_read is None:
        return NO_KEY
    if not first.may_read:
        return NO_SCOPE
    if first.granted_borrower_id is None:
        return NOT_GRANTED
    return ScoreRead(key_valid=True, may_read=True, score=build(read.borrower_id, rows))


class ScoreReads:
    """The service's score reads on PostgreSQL: each read waits for its batch's statement.

    A batch the database refuses for its data (`DataError`: a value it cannot store) is run
    again one read at a time, so that only the read at fault fails: the request paths that can
    carry such a value are validated before, but one read's input must never fail another's.
    """

    def __init__(self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._batcher: TurnBatcher[ReadRequest, ScoreRead | DataError] = TurnBatcher(
            self._answer_all, max_size=max_batch
        )

    async def read(self, read: ReadRequest) -> ScoreRead:
        answer = await self._batcher.submit(read)
        if isinstance(answer, DataError):
            raise answer
        return answer

    async def _answer_all(self, reads: list[ReadRequest]) -> list[ScoreRead | DataError]:
        try:
            return list(await read_scores(self._engine, reads))
        except DataError:
            if len(reads) == 1:
                raise
        answers: list[ScoreRead | DataError] = []
        for read in reads:
            try:
                answers += await read_scores(self._engine, [read])
            except DataError as error:
                answers.append(error)
        return answers

    async def aclose(self) -> None:
        """Answer the reads already under way (the service is stopping)."""
        await self._batcher.aclose()
