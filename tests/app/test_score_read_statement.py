"""On PostgreSQL lenders' score reads are one statement in autocommit, shared by the reads that
arrive together, atomic, and answer each read as if it had been alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DataError, IntegrityError

from app.db import transaction
from app.lenders.score_read import ReadRequest, ScoreRead, ScoreReads, read_scores, request
from app.models import AuditEvent
from app.models.base import utcnow
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_database: str) -> str:
    # PostgreSQL only: SQLite runs the transactional read (no data-modifying CTEs).
    from tests.conftest import _truncate_all

    _truncate_all(postgres_database)
    return postgres_database


async def granted_read(harness: Harness) -> tuple[str, str]:
    headers = await harness.sign_in("seller")
    await harness.connect("steady_us", headers)
    borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
    lender_id, key = await make_lender(harness)
    await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
    return f"/v1/borrowers/{borrower_id}/score", key


@contextmanager
def statements_sent(harness: Harness) -> Iterator[list[tuple[str, bool]]]:
    """The statements sent while inside, each with whether its connection was in autocommit."""
    statements: list[tuple[str, bool]] = []

    def sent(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append((statement, conn.connection.dbapi_connection.autocommit))

    engine = harness.context.engine.sync_engine
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", sent)


async def score_reads(harness: Harness) -> int:
    async with transaction(harness.context.sessions) as session:
        count = await session.scalar(select(func.count()).where(AuditEvent.action == "score.read"))
    return count or 0


async def test_a_read_is_one_statement_in_autocommit(harness: Harness) -> None:
    url, key = await granted_read(harness)
    with statements_sent(harness) as statements:
        response = await harness.service.get(url, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["status"] == "scored"
    assert len(statements) == 1
    statement, autocommit = statements[0]
    assert statement.startswith("WITH requested AS") and autocommit


async def test_reads_arriving_together_share_one_statement_each_with_its_own_answer(
    harness: Harness,
) -> None:
    url, key = await granted_read(harness)
    hidden_id, _ = await signed_in(harness, "not-sharing")
    _, scopeless = await make_lender(harness, ("reports:read",))
    reads = [
        (url, key, 200),
        (f"/v1/borrowers/{hidden_id}/score", key, 404),
        (url, scopeless, 403),
        (url, "csk_000000000000_forged", 401),
        ("/v1/borrowers/no-such-borrower/score", key, 404),
        (url, key, 200),
    ]
    before = await score_reads(harness)
    with statements_sent(harness) as statements:
        answers = await asyncio.gather(
            *(harness.service.get(u, headers={"Authorization": f"Bearer {k}"}) for u, k, _ in reads)
        )
    assert [a.status_code for a in answers] == [status for *_, status in reads]
    assert answers[0].json() == answers[-1].json()
    assert answers[0].json()["status"] == "scored"
    assert len(statements) == 1
    # Only the two reads answered with a score are in the audit trail.
    assert await score_reads(harness) == before + 2


async def signed_in(harness: Harness, name: str) -> tuple[str, dict[str, str]]:
    headers = await harness.sign_in(name)
    borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
    return borrower_id, headers


async def test_a_batch_answers_each_read_as_if_it_were_alone(harness: Harness) -> None:
    url, key = await granted_read(harness)
    granted_id = url.split("/")[3]
    hidden_id, _ = await signed_in(harness, "not-sharing")
    _, scopeless = await make_lender(harness, ("reports:read",))
    keys = [key, scopeless, "csk_000000000000_forged"]
    borrowers = [granted_id, hidden_id, "no-such-borrower"]
    engine = harness.context.engine
    loop = asyncio.get_running_loop()

    def reading(choice: tuple[int, int]) -> ReadRequest:
        wanted = request(
            keys[choice[0]], borrowers[choice[1]], utcnow(), ip="127.0.0.1", user_agent=None
        )
        assert wanted is not None
        return wanted

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=12))
    def property_holds(choices: list[tuple[int, int]]) -> None:
        async def compare() -> None:
            reads = [reading(choice) for choice in choices]
            before = await score_reads(harness)
            together = await read_scores(engine, reads)
            alone = [(await read_scores(engine, [r]))[0] for r in reads]
            assert together == alone
            answered = sum(1 for answer in together if answer.score is not None)
            # Each answer with a score has its own record, once per statement it was read in.
            assert await score_reads(harness) == before + 2 * answered

        # Hypothesis drives examples from a thread; each runs on the service's own loop.
        asyncio.run_coroutine_threadsafe(compare(), loop).result()

    await asyncio.to_thread(property_holds)


async def test_a_failing_audit_insert_answers_nothing_and_writes_nothing(
    harness: Harness,
) -> None:
    # One statement commits whole or not at all: the key's last use is not written either.
    url, key = await granted_read(harness)
    async with harness.context.engine.begin() as connection:
        await connection.execute(
            text("ALTER TABLE audit_events ADD CONSTRAINT no_reads CHECK (action <> 'score.read')")
        )
    try:
        # The test client passes the service's unexpected errors on (a server answers 500).
        with pytest.raises(IntegrityError, match="no_reads"):
            await harness.service.get(url, headers={"Authorization": f"Bearer {key}"})
    finally:
        async with harness.context.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE audit_events DROP CONSTRAINT no_reads"))
    async with transaction(harness.context.sessions) as session:
        reads = await session.scalar(select(func.count()).where(AuditEvent.action == "score.read"))
        last_used = await session.scalar(text("SELECT max(last_used_at) FROM lender_api_keys"))
    assert reads == 0
    assert last_used is None


async def test_a_key_row_locked_elsewhere_is_not_waited_for(harness: Harness) -> None:
    # Another statement holds the key's row (touching or revoking it): reads are answered at
    # once without touching it, and a later read touches it. Waiting would queue every read of
    # that key behind the lock, and batches locking keys in opposite orders would deadlock.
    url, key = await granted_read(harness)
    engine = harness.context.engine
    last_used = text("SELECT max(last_used_at) FROM lender_api_keys")
    async with engine.connect() as holder:
        transaction_ = await holder.begin()
        await holder.execute(text("SELECT id FROM lender_api_keys FOR NO KEY UPDATE"))
        response = await asyncio.wait_for(
            harness.service.get(url, headers={"Authorization": f"Bearer {key}"}), timeout=10
        )
        assert response.status_code == 200
        await transaction_.rollback()
    async with engine.connect() as connection:
        assert (await connection.execute(last_used)).scalar() is None
    response = await harness.service.get(url, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    async with engine.connect() as connection:
        assert (await connection.execute(last_used)).scalar() is not None


async def test_a_read_the_database_refuses_fails_alone(harness: Harness) -> None:
    # A NUL cannot be stored in PostgreSQL's text: the batch is refused, then each read runs
    # alone, and only the read carrying it fails. (The endpoint refuses such a borrower id up
    # front; a header cannot carry one through h11. This is the safety net for what slips by.)
    url, key = await granted_read(harness)
    borrower_id = url.split("/")[3]
    reads = ScoreReads(harness.context.engine)
    good = request(key, borrower_id, utcnow(), ip="127.0.0.1", user_agent="lender")
    bad = request(key, borrower_id, utcnow(), ip="127.0.0.1", user_agent="nul\x00here")
    assert good is not None and bad is not None
    before = await score_reads(harness)
    with statements_sent(harness) as statements:
        answers = await asyncio.gather(reads.read(good), reads.read(bad), return_exceptions=True)
    await reads.aclose()
    assert isinstance(answers[0], ScoreRead) and answers[0].score is not None
    assert isinstance(answers[1], DataError) and "NUL" in str(answers[1])
    assert len(statements) == 3  # the batch, then each read alone
    assert await score_reads(harness) == before + 1
