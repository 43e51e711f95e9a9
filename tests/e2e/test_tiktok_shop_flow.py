"""TikTok Shop from the borrower's click to the lender's read, on SQLite and PostgreSQL.

Auth URL → sandbox consent → callback → 90-day pull → score → lender read; then what a lending
service must guarantee about that data: it equals what the platform holds, a second pull changes
nothing, an expired token is refreshed, and a revoked or under-scoped authorization asks the
seller again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.connections.token_crypto import read_tokens
from app.db import transaction
from app.models import AffiliateCommission, BusinessConnection, Order, Return, Settlement
from tests.harness import Harness


async def only_connection(harness: Harness, headers: dict[str, str]) -> dict[str, Any]:
    connections = (await harness.service.get("/api/connections", headers=headers)).json()
    assert len(connections) == 1
    connection: dict[str, Any] = connections[0]
    return connection


def unix(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())


async def fact_rows(harness: Harness, model: Any) -> list[dict[str, Any]]:
    """Every row of a fact table without the bookkeeping columns, in a stable order."""
    skip = {"id", "first_seen_at", "last_seen_at"}
    columns = [c for c in model.__table__.columns if c.name not in skip]
    async with transaction(harness.context.sessions) as session:
        rows = (await session.execute(select(*columns).order_by(model.external_id))).all()
    return [dict(row._mapping) for row in rows]


class TestConnectPullScoreRead:
    async def test_borrower_connects_and_lender_reads_the_score(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        landing = await harness.connect("steady_us", headers)
        assert landing.status_code == 303
        assert landing.headers["location"] == "/dashboard?tiktokshop_connected=true"

        connection = await only_connection(harness, headers)
        assert connection["status"] == "active"
        assert connection["sync_state"] == "complete"
        assert connection["currency"] == "USD"
        window = (unix(connection["data_window_start"]), unix(connection["data_window_end"]))
        truth = await harness.ground_truth("steady_us", *window)
        assert connection["metrics"]["orders"] == truth["orders"]["count"] > 300
        last = connection["last_sync"]
        assert last["status"] == "complete" and last["error"] is None
        assert last["counts"]["orders"]["quarantined"] == 0
        assert last["counts"]["orders"]["fetched"] >= truth["orders"]["count"]
        assert connection["metrics"]["returns"] == truth["returns"]["count"]
        assert connection["metrics"]["statements"] == truth["statements"]["count"]

        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        lender_id, key = await make_lender(harness)
        lender = {"Authorization": f"Bearer {key}"}
        denied = await harness.service.get(f"/v1/borrowers/{borrower_id}/score", headers=lender)
        assert denied.status_code == 404

        granted = await harness.service.post(
            "/api/grants", json={"lender_id": lender_id}, headers=headers
        )
        assert granted.status_code == 201
        read = await harness.service.get(f"/v1/borrowers/{borrower_id}/score", headers=lender)
        assert read.status_code == 200
        score = read.json()
        assert score["status"] == "scored"
        assert 0 < score["composite"] <= 100
        assert set(score["sub_scores"]) == {"revenue", "consistency", "reliability", "growth"}
        assert score["model_version"]
        assert score["data_as_of"] is not None
        assert score["connections"][0]["last_synced_at"] is not None
        weights = {"revenue": 0.4, "consistency": 0.2, "reliability": 0.2, "growth": 0.2}
        recomposed = sum(score["sub_scores"][k] * w for k, w in weights.items())
        assert abs(recomposed - score["composite"]) < 0.2

    async def test_pulled_rows_equal_what_the_platform_holds(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        await harness.connect("steady_us", headers)
        connection = await only_connection(harness, headers)
        start, end = unix(connection["data_window_start"]), unix(connection["data_window_end"])
        truth = await harness.ground_truth("steady_us", start, end)

        orders = await fact_rows(harness, Order)
        in_window = [r for r in orders if start <= int(r["created_at"].timestamp()) < end]
        assert sorted(r["external_id"] for r in in_window) == truth["order_ids"]
        total = sum((r["total_amount"] for r in in_window), Decimal(0))
        assert total == Decimal(truth["orders"]["total_amount"])
        assert all(isinstance(r["total_amount"], Decimal) for r in orders)
        settlements = await fact_rows(harness, Settlement)
        assert sorted(r["external_id"] for r in settlements) == truth["statements"]["ids"]
        settled = sum((r["settlement_amount"] for r in settlements), Decimal(0))
        assert settled == Decimal(truth["statements"]["settlement_amount"])
        returns = await fact_rows(harness, Return)
        assert sorted(r["external_id"] for r in returns) == truth["returns"]["ids"]
        refunded = sum((r["refund_amount"] for r in returns), Decimal(0))
        assert refunded == Decimal(truth["returns"]["refund_total"])
        commissions = await fact_rows(harness, AffiliateCommission)
        ids = sorted(r["external_id"] for r in commissions)
        assert ids == truth["seller_affiliate_orders"]["ids"]

    async def test_pulling_again_changes_nothing(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        await harness.connect("steady_us", headers)
        connection = await only_connection(harness, headers)
        tables = (Order, Settlement, AffiliateCommission, Return)
        before = [await fact_rows(harness, model) for model in tables]

        incremental = await harness.context.jobs.sync_and_score(connection["id"])
        assert incremental.status == "complete"
        assert incremental.counts["orders"]["fetched"] < len(before[0])  # only the lag window
        assert [await fact_rows(harness, model) for model in tables] == before

        full = await harness.context.jobs.sync_and_score(connection["id"], full=True)
        assert full.status == "complete"
        assert full.counts["orders"]["fetched"] == len(before[0])
        assert [await fact_rows(harness, model) for model in tables] == before

    async def test_creator_is_scored_on_commissions(self, harness: Harness) -> None:
        headers = await harness.sign_in("creator")
        await harness.connect("creator_affiliate", headers)
        connection = await only_connection(harness, headers)
        assert connection["role"] == "creator"
        assert connection["metrics"]["affiliate_orders"] > 100
        score = (await harness.service.get("/api/score", headers=headers)).json()
        assert score["status"] == "scored"
        assert score["sub_scores"]["revenue"] > 0

    async def test_new_shop_without_orders_gets_a_score(self, harness: Harness) -> None:
        headers = await harness.sign_in("new")
        await harness.connect("new_shop", headers)
        score = (await harness.service.get("/api/score", headers=headers)).json()
        assert score["status"] == "scored"
        assert score["order_count"] == 0
        assert 0 <= score["composite"] < 50


class TestTokens:
    async def stored_tokens(self, harness: Harness, connection_id: str) -> Any:
        async with transaction(harness.context.sessions) as session:
            connection = await session.get(BusinessConnection, connection_id)
            assert connection is not None
            return read_tokens(harness.context.keyring, connection)

    async def test_expired_access_token_is_refreshed_and_the_pull_succeeds(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("steady")
        await harness.connect("steady_us", headers)
        connection = await only_connection(harness, headers)
        before = await self.stored_tokens(harness, connection["id"])

        expired = await harness.platform.post(
            "/_sandbox/tiktok_shop/expire-tokens", json={"persona": "steady_us"}
        )
        expired.raise_for_status()
        outcome = await harness.context.jobs.sync_and_score(connection["id"])

        assert outcome.status == "complete"
        after = await self.stored_tokens(harness, connection["id"])
        assert after.access_token != before.access_token
        assert after.access_expires_at >= before.access_expires_at
        assert (await only_connection(harness, headers))["status"] == "active"

    async def test_revoked_authorization_asks_the_seller_again(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        await harness.connect("steady_us", headers)
        connection = await only_connection(harness, headers)
        await harness.platform.post("/_sandbox/tiktok_shop/revoke", json={"persona": "steady_us"})

        outcome = await harness.context.jobs.sync_and_score(connection["id"])

        assert outcome.status == "failed"
        now = await only_connection(harness, headers)
        assert now["status"] == "needs_reauth"
        assert "authoriz" in now["status_reason"].lower()

    async def test_missing_scope_names_the_permission(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        scopes = ["seller.authorization.info", "seller.order.info", "seller.shop.info"]
        await harness.connect("steady_us", headers, scopes=scopes)
        connection = await only_connection(harness, headers)
        assert connection["status"] == "needs_reauth"
        assert "seller.finance.info" in connection["status_reason"]

    async def test_tokens_are_never_stored_in_plaintext(self, harness: Harness) -> None:
        headers = await harness.sign_in("steady")
        await harness.connect("steady_us", headers)
        connection = await only_connection(harness, headers)
        tokens = await self.stored_tokens(harness, connection["id"])
        dump = await database_text(harness)
        assert tokens.access_token not in dump
        assert tokens.refresh_token is not None and tokens.refresh_token not in dump


async def database_text(harness: Harness) -> str:
    """Every value of every column of every table, as one text to search."""
    from app.models import Base

    parts: list[str] = []
    async with transaction(harness.context.sessions) as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


async def make_lender(
    harness: Harness, scopes: tuple[str, ...] = ("scores:read",)
) -> tuple[str, str]:
    from app.lenders.keys import create_lender, issue_key

    async with transaction(harness.context.sessions) as session:
        lender = await create_lender(session, f"Lender {len(scopes)}-{id(scopes)}")
        issued = await issue_key(session, lender, "test", scopes)
        return lender.id, issued.plaintext
