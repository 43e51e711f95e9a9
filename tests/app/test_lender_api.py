"""The lender API answers only with a valid key, the right scope and the borrower's grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import update

from app.db import transaction
from app.lenders.keys import revoke_key
from app.models import LenderGrant
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness


async def borrower(harness: Harness, name: str = "b") -> tuple[str, dict[str, str]]:
    headers = await harness.sign_in(name)
    borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
    return borrower_id, headers


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class TestLenderScoreRead:
    async def test_without_key(self, harness: Harness) -> None:
        borrower_id, _ = await borrower(harness)
        response = await harness.service.get(f"/v1/borrowers/{borrower_id}/score")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_with_an_unknown_key(self, harness: Harness) -> None:
        borrower_id, _ = await borrower(harness)
        for key in ("nonsense", "csk_000000000000_forged", "csk__"):
            response = await harness.service.get(
                f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
            )
            assert response.status_code == 401

    async def test_without_grant_is_indistinguishable_from_no_borrower(
        self, harness: Harness
    ) -> None:
        borrower_id, _ = await borrower(harness)
        _, key = await make_lender(harness)
        absent = await harness.service.get(
            "/v1/borrowers/no-such-borrower/score", headers=bearer(key)
        )
        hidden = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
        )
        assert absent.status_code == hidden.status_code == 404
        assert absent.json() == hidden.json()

    async def test_with_grant_before_any_data_is_pending(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness)
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
        )
        assert response.status_code == 200
        assert response.json()["status"] == "pending"
        assert response.json()["composite"] is None

    async def test_grant_for_another_lender_does_not_help(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_a, _ = await make_lender(harness, ("scores:read",))
        _, key_b = await make_lender(harness, ("scores:read", "reports:read"))
        await harness.service.post("/api/grants", json={"lender_id": lender_a}, headers=headers)
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key_b)
        )
        assert response.status_code == 404

    async def test_revoked_grant_takes_effect_on_the_next_request(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness)
        grant = (
            await harness.service.post(
                "/api/grants", json={"lender_id": lender_id}, headers=headers
            )
        ).json()
        url = f"/v1/borrowers/{borrower_id}/score"
        assert (await harness.service.get(url, headers=bearer(key))).status_code == 200
        deleted = await harness.service.delete(f"/api/grants/{grant['id']}", headers=headers)
        assert deleted.status_code == 204
        assert (await harness.service.get(url, headers=bearer(key))).status_code == 404

    async def test_expired_grant(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness)
        grant = (
            await harness.service.post(
                "/api/grants", json={"lender_id": lender_id}, headers=headers
            )
        ).json()
        async with transaction(harness.context.sessions) as session:
            await session.execute(
                update(LenderGrant)
                .where(LenderGrant.id == grant["id"])
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
        )
        assert response.status_code == 404

    async def test_revoked_key(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness)
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        from sqlalchemy import select

        from app.models import LenderApiKey

        async with transaction(harness.context.sessions) as session:
            key_id = await session.scalar(
                select(LenderApiKey.id).where(LenderApiKey.lender_id == lender_id)
            )
            assert key_id is not None and await revoke_key(session, key_id)
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
        )
        assert response.status_code == 401

    async def test_key_without_the_scores_scope(self, harness: Harness) -> None:
        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness, ("reports:read",))
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        response = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers=bearer(key)
        )
        assert response.status_code == 403


class TestGrants:
    async def test_granting_an_unknown_lender(self, harness: Harness) -> None:
        _, headers = await borrower(harness)
        response = await harness.service.post(
            "/api/grants", json={"lender_id": "nope"}, headers=headers
        )
        assert response.status_code == 404

    async def test_a_borrower_cannot_revoke_another_borrowers_grant(self, harness: Harness) -> None:
        _, alice = await borrower(harness, "alice")
        _, mallory = await borrower(harness, "mallory")
        lender_id, _ = await make_lender(harness)
        grant = (
            await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=alice)
        ).json()
        response = await harness.service.delete(f"/api/grants/{grant['id']}", headers=mallory)
        assert response.status_code == 404

    async def test_expiry_in_the_past_is_refused(self, harness: Harness) -> None:
        _, headers = await borrower(harness)
        lender_id, _ = await make_lender(harness)
        body = {"lender_id": lender_id, "expires_at": "2020-01-01T00:00:00Z"}
        response = await harness.service.post("/api/grants", json=body, headers=headers)
        assert response.status_code == 400


class TestOpenApi:
    async def test_docs_and_schema_are_served(self, harness: Harness) -> None:
        assert (await harness.service.get("/docs")).status_code == 200
        schema = (await harness.service.get("/openapi.json")).json()
        assert "/v1/borrowers/{borrower_id}/score" in schema["paths"]


class TestExpiringKeys:
    async def test_an_expired_key_stops_working(self, harness: Harness) -> None:
        from app.lenders.keys import create_lender, issue_key

        borrower_id, headers = await borrower(harness)
        async with transaction(harness.context.sessions) as session:
            lender = await create_lender(session, "Pilot Lender")
            soon = await issue_key(
                session, lender, "pilot", expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
            gone = await issue_key(
                session, lender, "old", expires_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        await harness.service.post("/api/grants", json={"lender_id": lender.id}, headers=headers)
        url = f"/v1/borrowers/{borrower_id}/score"
        assert (await harness.service.get(url, headers=bearer(soon.plaintext))).status_code == 200
        assert (await harness.service.get(url, headers=bearer(gone.plaintext))).status_code == 401


class TestKeyLastUsed:
    async def test_recorded_at_most_once_a_minute(self, harness: Harness) -> None:
        # Rewriting it on every request made concurrent reads with one key queue on its row.
        from sqlalchemy import select

        from app.models import LenderApiKey

        borrower_id, headers = await borrower(harness)
        lender_id, key = await make_lender(harness)
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        url = f"/v1/borrowers/{borrower_id}/score"

        async def read_and_last_used() -> datetime | None:
            assert (await harness.service.get(url, headers=bearer(key))).status_code == 200
            async with transaction(harness.context.sessions) as session:
                return await session.scalar(
                    select(LenderApiKey.last_used_at).where(LenderApiKey.lender_id == lender_id)
                )

        with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
            first = await read_and_last_used()
            assert first == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
            clock.shift(timedelta(seconds=59))
            assert await read_and_last_used() == first
            clock.shift(timedelta(seconds=1))
            assert await read_and_last_used() == datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
