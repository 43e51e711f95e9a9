"""Every lender read, grant, connect and disconnect is recorded; borrowers see who read them;
the log cannot be edited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.db import transaction
from app.models import AuditEvent, BusinessConnection, LenderApiKey, Order
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness


async def actions(harness: Harness) -> list[str]:
    async with transaction(harness.context.sessions) as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


class TestAuditTrail:
    async def test_the_borrower_sees_who_read_their_score(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        await harness.connect("steady_us", headers)
        lender_id, key = await make_lender(harness)
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        grant = await harness.service.post(
            "/api/grants", json={"lender_id": lender_id}, headers=headers
        )
        read = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score",
            headers={"Authorization": f"Bearer {key}", "User-Agent": "underwriting-bot/2"},
        )
        assert read.status_code == 200
        await harness.service.delete(f"/api/grants/{grant.json()['id']}", headers=headers)

        trail = (await harness.service.get("/api/audit", headers=headers)).json()
        assert [event["action"] for event in trail] == [
            "grant.revoke",
            "score.read",
            "grant.create",
            "connection.connect",
        ]
        score_read = trail[1]
        assert score_read["actor_type"] == "lender"
        assert score_read["actor_id"] == lender_id
        assert score_read["actor_name"].startswith("Lender")
        assert score_read["details"]["status"] == "scored"

    async def test_a_denied_read_leaves_no_trace_on_the_borrower(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        _, key = await make_lender(harness)
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 404
        assert (await harness.service.get("/api/audit", headers=headers)).json() == []

    async def test_a_read_records_the_key_the_client_and_the_status(self, harness: Harness) -> None:
        # The same record whichever way the read ran (one statement on PostgreSQL, a
        # transaction on SQLite).
        headers = await harness.sign_in("seller")
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        lender_id, key = await make_lender(harness)
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        read = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score",
            headers={"Authorization": f"Bearer {key}", "User-Agent": "underwriting-bot/2"},
        )
        assert read.status_code == 200
        async with transaction(harness.context.sessions) as session:
            event = (
                await session.scalars(select(AuditEvent).where(AuditEvent.action == "score.read"))
            ).one()
            key_id = await session.scalar(
                select(LenderApiKey.id).where(LenderApiKey.lender_id == lender_id)
            )
        assert (event.actor_type, event.actor_id, event.borrower_id, event.target_id) == (
            "lender",
            lender_id,
            borrower_id,
            None,
        )
        assert event.details == {"key_id": key_id, "status": "pending"}
        assert (event.ip, event.user_agent) == ("127.0.0.1", "underwriting-bot/2")
        assert event.at.tzinfo is not None

    async def test_refused_reads_record_nothing(self, harness: Harness) -> None:
        headers = await harness.sign_in("seller")
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        url = f"/v1/borrowers/{borrower_id}/score"
        lender_id, reports_only = await make_lender(harness, ("reports:read",))
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        _, ungranted = await make_lender(harness)
        for key, status in ((reports_only, 403), (ungranted, 404), (reports_only + "x", 401)):
            response = await harness.service.get(url, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == status
        assert "score.read" not in await actions(harness)

    async def test_other_borrowers_events_are_not_shown(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        await harness.connect("steady_us", alice)
        mallory = await harness.sign_in("mallory")
        assert (await harness.service.get("/api/audit", headers=mallory)).json() == []


class TestDisconnect:
    async def test_disconnect_deletes_tokens_and_data_and_is_recorded(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("seller")
        await harness.connect("steady_us", headers)
        connection = (await harness.service.get("/api/connections", headers=headers)).json()[0]
        other = await harness.sign_in("other")
        stolen = await harness.service.delete(f"/api/connections/{connection['id']}", headers=other)
        assert stolen.status_code == 404
        gone = await harness.service.delete(f"/api/connections/{connection['id']}", headers=headers)
        assert gone.status_code == 204
        await harness.context.jobs.drain()
        async with transaction(harness.context.sessions) as session:
            for model in (BusinessConnection, Order):
                assert await session.scalar(select(func.count()).select_from(model)) == 0
        assert (await harness.service.get("/api/score", headers=headers)).json()[
            "status"
        ] == "pending"
        assert "connection.disconnect" in await actions(harness)


@pytest.mark.postgres
class TestAppendOnly:
    async def test_postgres_refuses_edits_and_deletes(self, postgres_database: str) -> None:
        from app import db

        engine = db.create_engine(postgres_database)
        try:
            async with db.transaction(db.session_factory(engine)) as session:
                session.add(AuditEvent(actor_type="operator", action="key.create", details={}))
            for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
                with pytest.raises(DBAPIError, match="append-only"):
                    async with db.transaction(db.session_factory(engine)) as session:
                        await session.execute(text(statement))
        finally:
            async with db.transaction(db.session_factory(engine)) as session:
                await session.execute(text("TRUNCATE audit_events"))
            await engine.dispose()
