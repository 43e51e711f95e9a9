"""`GET /v1/borrowers/{id}/report`: authorization like the score read, formats, figures, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.db import transaction
from app.lenders.keys import revoke_key
from app.models import LenderApiKey, LenderGrant
from tests.app.reports.conftest import Granted, grant_reader, new_lender
from tests.harness import Harness


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _borrower(harness: Harness, name: str) -> tuple[str, dict[str, str]]:
    headers = await harness.sign_in(name)
    return (await harness.service.get("/api/me", headers=headers)).json()["id"], headers


class TestReportAuthorization:
    async def test_without_key(self, harness: Harness) -> None:
        borrower_id, _ = await _borrower(harness, "b")
        response = await harness.service.get(f"/v1/borrowers/{borrower_id}/report")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_with_an_unknown_key_whatever_the_format(self, harness: Harness) -> None:
        borrower_id, _ = await _borrower(harness, "b")
        for fmt in ("json", "pdf", "nonsense"):
            response = await harness.service.get(
                f"/v1/borrowers/{borrower_id}/report",
                params={"format": fmt},
                headers=bearer("csk_000000000000_forged"),
            )
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "not_authenticated"

    async def test_without_grant_is_indistinguishable_from_no_borrower(
        self, harness: Harness
    ) -> None:
        borrower_id, _ = await _borrower(harness, "b")
        _, key = await new_lender(harness, ("reports:read",))
        absent = await harness.service.get("/v1/borrowers/nobody/report", headers=bearer(key))
        hidden = await harness.service.get(
            f"/v1/borrowers/{borrower_id}/report", headers=bearer(key)
        )
        assert absent.status_code == hidden.status_code == 404
        assert absent.json() == hidden.json()

    async def test_another_lenders_grant_does_not_help(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "alice")
        _, other_key = await new_lender(harness, ("scores:read", "reports:read"))
        response = await harness.service.get(granted.url, headers=bearer(other_key))
        assert response.status_code == 404

    async def test_a_grant_reads_only_its_own_borrower(self, harness: Harness) -> None:
        alice = await grant_reader(harness, "alice")
        bob, _ = await _borrower(harness, "bob")
        response = await harness.service.get(f"/v1/borrowers/{bob}/report", headers=alice.auth)
        assert response.status_code == 404
        assert (await harness.service.get(alice.url, headers=alice.auth)).status_code == 200

    async def test_key_without_the_reports_scope(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "b", scopes=("scores:read",))
        response = await harness.service.get(granted.url, headers=granted.auth)
        assert response.status_code == 403
        assert "reports:read" in response.json()["error"]["message"]
        score = f"/v1/borrowers/{granted.borrower_id}/score"
        assert (await harness.service.get(score, headers=granted.auth)).status_code == 200

    async def test_revoked_grant_takes_effect_on_the_next_request(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "b")
        assert (await harness.service.get(granted.url, headers=granted.auth)).status_code == 200
        (grant,) = (
            await harness.service.get("/api/grants", headers=granted.borrower_headers)
        ).json()
        await harness.service.delete(f"/api/grants/{grant['id']}", headers=granted.borrower_headers)
        assert (await harness.service.get(granted.url, headers=granted.auth)).status_code == 404

    async def test_expired_grant(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "b")
        async with transaction(harness.context.sessions) as session:
            await session.execute(
                update(LenderGrant)
                .where(LenderGrant.lender_id == granted.lender_id)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        assert (await harness.service.get(granted.url, headers=granted.auth)).status_code == 404

    async def test_revoked_key(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "b")
        async with transaction(harness.context.sessions) as session:
            key_id = await session.scalar(
                select(LenderApiKey.id).where(LenderApiKey.lender_id == granted.lender_id)
            )
            assert key_id is not None and await revoke_key(session, key_id)
        assert (await harness.service.get(granted.url, headers=granted.auth)).status_code == 401


class TestReportFormats:
    @pytest.mark.parametrize(
        ("query", "accept", "media_type"),
        [
            ({}, None, "application/json"),
            ({}, "*/*", "application/json"),
            ({}, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
            ({}, "application/pdf", "application/pdf"),
            ({}, "application/json;q=0.5, application/pdf", "application/pdf"),
            ({"format": "html"}, "application/json", "text/html"),
            ({"format": "PDF"}, None, "application/pdf"),
            ({"format": "json"}, "text/html", "application/json"),
        ],
    )
    async def test_format_by_query_or_accept(
        self,
        harness: Harness,
        query: dict[str, str],
        accept: str | None,
        media_type: str,
    ) -> None:
        granted = await grant_reader(harness, "b")
        headers = granted.auth | ({"Accept": accept} if accept else {})
        response = await harness.service.get(granted.url, params=query, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["vary"] == "Accept"

    @pytest.mark.parametrize(
        ("query", "accept"),
        [({"format": "xml"}, None), ({}, "image/png"), ({}, "application/json;q=0, text/csv")],
    )
    async def test_an_unavailable_format_is_406(
        self, harness: Harness, query: dict[str, str], accept: str | None
    ) -> None:
        granted = await grant_reader(harness, "b")
        headers = granted.auth | ({"Accept": accept} if accept else {})
        response = await harness.service.get(granted.url, params=query, headers=headers)
        assert response.status_code == 406
        error = response.json()["error"]
        assert error["code"] == "not_acceptable"
        assert "json, html or pdf" in error["message"]

    async def test_html_is_a_complete_accessible_document(
        self, harness: Harness, scored: Granted
    ) -> None:
        response = await harness.service.get(
            scored.url, params={"format": "html"}, headers=scored.auth
        )
        html = response.text
        assert html.startswith("<!doctype html>") and '<html lang="en">' in html
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
        assert "<figcaption>" in html and '<th scope="col">' in html
        assert "@media print" in html and "<script" not in html
        assert scored.borrower_id in html and "Steady Goods Co" in html

    async def test_html_without_data_says_so(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "b")
        html = (
            await harness.service.get(granted.url, params={"format": "html"}, headers=granted.auth)
        ).text
        assert "Pending: no score yet" in html
        assert "No account is connected." in html and "<svg" not in html


class TestScoredReport:
    async def test_figures_agree_with_the_score(self, harness: Harness, scored: Granted) -> None:
        report = (await harness.service.get(scored.url, headers=scored.auth)).json()
        score = (
            await harness.service.get(
                f"/v1/borrowers/{scored.borrower_id}/score",
                headers=(await make_reader_of_scores(harness, scored)),
            )
        ).json()
        assert report["status"] == score["status"] == "scored"
        for field in ("composite", "tier", "confidence", "model_version", "order_count"):
            assert report[field] == score[field]
        assert report["sub_scores"] == score["sub_scores"]
        assert report["reasons"] == score["reasons"]
        assert report["as_of"] == score["as_of"] and report["data_as_of"] == score["data_as_of"]
        assert Decimal(report["monthly_revenue_usd"]) == Decimal(str(score["monthly_revenue_usd"]))
        # The platforms' monthly rates add up to the score's (each rounded to the cent).
        rates = sum(Decimal(p["monthly_revenue"]) for p in report["platforms"])
        assert abs(rates - Decimal(report["monthly_revenue_usd"])) <= Decimal("0.01")
        # Three 30-day months cover the 90-day window: their mean is the monthly rate.
        months = report["months"]
        assert len(months) == 3
        assert months[0]["start"] == report["window_start"]
        assert months[-1]["end"] == report["window_end"]
        mean = sum(Decimal(m["net_revenue"]) for m in months) / 3
        assert abs(mean - Decimal(report["monthly_revenue_usd"])) <= Decimal("0.01")
        assert sum(c["orders"] for m in months for c in m["platforms"]) == score["order_count"]

    async def test_every_table_adds_up(self, harness: Harness, scored: Granted) -> None:
        report = (await harness.service.get(scored.url, headers=scored.auth)).json()
        for month in report["months"]:
            assert month["currency"] == "USD"
            assert Decimal(month["net_revenue"]) == sum(
                Decimal(c["net_revenue"]) for c in month["platforms"]
            )
            for cell in month["platforms"]:
                assert Decimal(cell["net_revenue"]) == (
                    Decimal(cell["sales"]) - Decimal(cell["refunds"]) + Decimal(cell["commissions"])
                )
        (rec,) = report["reconciliation"]
        assert rec["has_payouts"]
        assert Decimal(rec["gap"]) == Decimal(rec["settled"]) - Decimal(rec["order_revenue"])
        share = Decimal(rec["gap"]) / Decimal(rec["order_revenue"])
        assert abs(Decimal(rec["gap_share"]) - share) < Decimal("0.0001")

    async def test_lists_the_connected_accounts_with_their_freshness(
        self, harness: Harness, scored: Granted
    ) -> None:
        report = (await harness.service.get(scored.url, headers=scored.auth)).json()
        listed = (
            await harness.service.get("/api/connections", headers=scored.borrower_headers)
        ).json()
        (account,) = report["connections"]
        assert account["connection_id"] == listed[0]["id"]
        assert account["platform"] == "tiktok_shop" and account["in_score"]
        assert account["currency"] == "USD" and account["sync_state"] == "complete"
        assert account["data_as_of"] is not None
        assert report["data_as_of"] <= account["data_as_of"]

    async def test_a_second_platform_gets_its_own_figures(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "multi", "steady_us", "shopify_steady")
        report = (await harness.service.get(granted.url, headers=granted.auth)).json()
        assert {c["platform"] for c in report["connections"]} == {"tiktok_shop", "shopify"}
        for month in report["months"]:
            assert [c["platform"] for c in month["platforms"]] == ["tiktok_shop", "shopify"]
        assert {r["platform"] for r in report["reconciliation"]} == {"tiktok_shop", "shopify"}

    async def test_a_read_is_audited_with_its_format(
        self, harness: Harness, scored: Granted
    ) -> None:
        await harness.service.get(scored.url, params={"format": "html"}, headers=scored.auth)
        await harness.service.get(
            scored.url, params={"format": "xml"}, headers=scored.auth
        )  # 406: nothing was read
        trail = (await harness.service.get("/api/audit", headers=scored.borrower_headers)).json()
        reads = [event for event in trail if event["action"] == "report.read"]
        (read,) = reads
        assert read["actor_type"] == "lender" and read["actor_id"] == scored.lender_id
        assert read["details"]["format"] == "html"
        assert read["details"]["status"] == "scored"


class TestPendingReport:
    async def test_before_any_data_the_report_says_pending_and_why(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "newcomer")
        for fmt in ("json", "html", "pdf"):
            response = await harness.service.get(
                granted.url, params={"format": fmt}, headers=granted.auth
            )
            assert response.status_code == 200, fmt
        report = (await harness.service.get(granted.url, headers=granted.auth)).json()
        assert report["status"] == "pending"
        assert report["composite"] is None and report["sub_scores"] is None
        assert [r["code"] for r in report["reasons"]] == ["NO_COMPLETE_DATA"]
        assert report["months"] == [] and report["connections"] == []
        assert report["model_version"]

    async def test_after_disconnecting_everything(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "leaver", "steady_us")
        (connection,) = (
            await harness.service.get("/api/connections", headers=granted.borrower_headers)
        ).json()
        deleted = await harness.service.delete(
            f"/api/connections/{connection['id']}", headers=granted.borrower_headers
        )
        assert deleted.status_code == 204
        await harness.context.jobs.drain()  # the rescore the disconnection asked for
        report = (await harness.service.get(granted.url, headers=granted.auth)).json()
        assert report["status"] == "pending"
        assert report["connections"] == [] and report["months"] == []
        assert [r["code"] for r in report["reasons"]] == ["NO_CONNECTIONS"]


async def make_reader_of_scores(harness: Harness, granted: Granted) -> dict[str, str]:
    """A key of the same lender that may read scores (the report key holds reports:read)."""
    from app.lenders.keys import issue_key
    from app.models import Lender

    async with transaction(harness.context.sessions) as session:
        lender = await session.get(Lender, granted.lender_id)
        assert lender is not None
        issued = await issue_key(session, lender, "scores", ("scores:read",))
    return bearer(issued.plaintext)


class TestMonthlyRevenueByPlatform:
    async def test_gives_the_reports_months(self, harness: Harness, scored: Granted) -> None:
        from app.reports.service import monthly_revenue_by_platform

        report = (await harness.service.get(scored.url, headers=scored.auth)).json()
        async with transaction(harness.context.sessions) as session:
            months = await monthly_revenue_by_platform(session, scored.borrower_id)
        assert [m.model_dump(mode="json") for m in months] == report["months"]

    async def test_nothing_connected_gives_no_month(self, harness: Harness) -> None:
        from app.reports.service import monthly_revenue_by_platform

        borrower_id, _ = await _borrower(harness, "nobody-yet")
        async with transaction(harness.context.sessions) as session:
            assert await monthly_revenue_by_platform(session, borrower_id) == []
