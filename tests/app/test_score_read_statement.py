"""On PostgreSQL a lender's score read is one statement in autocommit, and atomic."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from app.db import transaction
from app.models import AuditEvent
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


async def test_a_read_is_one_statement_in_autocommit(harness: Harness) -> None:
    url, key = await granted_read(harness)
    statements: list[tuple[str, bool]] = []

    def sent(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append((statement, conn.connection.dbapi_connection.autocommit))

    engine = harness.context.engine.sync_engine
    event.listen(engine, "before_cursor_execute", sent)
    try:
        response = await harness.service.get(url, headers={"Authorization": f"Bearer {key}"})
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    assert response.status_code == 200
    assert response.json()["status"] == "scored"
    assert len(statements) == 1
    statement, autocommit = statements[0]
    assert statement.startswith("WITH key AS") and autocommit


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
