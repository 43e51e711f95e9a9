"""The borrower pages as HTML: what each shows, in which state, and that its forms work."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy import delete, update

from app.db import transaction
from app.lenders.keys import create_lender, issue_key
from app.models import BusinessConnection, Score
from app.web.render import templates
from tests.app.web.pages import csrf_of, dashboard, elements, post_form
from tests.harness import Harness, state_of


async def only_connection_id(harness: Harness, headers: dict[str, str]) -> str:
    (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
    connection_id: str = connection["id"]
    return connection_id


async def set_state(harness: Harness, connection_id: str, **values: str) -> None:
    async with transaction(harness.context.sessions) as session:
        await session.execute(
            update(BusinessConnection)
            .where(BusinessConnection.id == connection_id)
            .values(**values)
        )


class TestSignedOutDashboard:
    async def test_offers_sign_in_and_disabled_connect_buttons(self, harness: Harness) -> None:
        response = await harness.service.get("/dashboard")
        assert response.status_code == 200
        page = elements(response.text)
        assert page.labels.get("name", "").startswith("Your name")
        connect = [b for b in page.all("button") if "disabled" in b]
        assert len(connect) == 3
        assert all(b["aria-describedby"] == "connect-needs-sign-in" for b in connect)
        assert "no-store" in response.headers["cache-control"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"


class TestDashboard:
    async def test_new_borrower_sees_no_score_and_every_connect_form(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("alice")
        html = (await dashboard(harness, headers)).text
        assert "Hello, alice" in html
        assert "No score yet: connect an account below" in html
        assert "Why there is no score yet" not in html
        assert "No account connected yet." in html
        assert "<figure" not in html  # no chart before anything is pulled
        actions = {f["action"] for f in elements(html).all("form")}
        assert {"/connect/tiktok-shop", "/connect/shopify", "/connect/shopify/token"} <= actions
        assert "/connect/amazon" in actions

    async def test_after_the_pull_shows_score_sub_scores_reasons_and_connection(
        self, harness: Harness
    ) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("steady_us", headers)
        html = (await dashboard(harness, headers)).text
        page = elements(html)
        bars = [i["aria-label"] for i in page.all("div") if i.get("role") == "img"]
        assert [b.split(":")[0] for b in bars] == [
            "Revenue",
            "Consistency",
            "Reliability",
            "Growth",
        ]
        assert "(40% of the score)" in html and "(20% of the score)" in html
        assert "Tier <strong>" in html and "confidence" in html
        assert "What holds your score back" in html
        assert "Data as of" in html
        assert "Steady Goods" in html and "Last synced" in html and "Data window" in html
        assert "data-poll-url" not in html  # nothing to wait for
        (chart,) = [f for f in page.all("figure") if f.get("class") == "chart"]
        assert chart["aria-labelledby"] == "chart-caption"
        assert 'id="score-chart-title"' in html and "TikTok Shop" in html

    async def test_the_chart_slot_renders_nothing_without_a_chart(self, harness: Harness) -> None:
        chart = templates.get_template("_score_chart.html")
        assert chart.render(chart=None).strip() == ""
        svg = Markup('<svg role="img" aria-label="Monthly sales"></svg>')
        assert '<svg role="img"' in chart.render(chart=svg)


class TestSyncing:
    async def test_a_running_pull_is_polled_until_done(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("steady_us", headers)
        connection_id = await only_connection_id(harness, headers)
        await set_state(harness, connection_id, sync_state="running")

        html = (await dashboard(harness, headers)).text
        assert 'data-poll-url="/dashboard/connections"' in html
        assert "Syncing…" in html
        assert '<noscript><meta http-equiv="refresh"' in html
        fragment = await harness.service.get("/dashboard/connections", headers=headers)
        assert 'data-poll-url="/dashboard/connections"' in fragment.text

        await set_state(harness, connection_id, sync_state="complete")
        fragment = await harness.service.get("/dashboard/connections", headers=headers)
        assert "data-poll-url" not in fragment.text
        assert "Connected" in fragment.text

    async def test_a_finished_pull_waits_for_its_score(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("steady_us", headers)
        async with transaction(harness.context.sessions) as session:
            await session.execute(delete(Score))  # as if the rescore had not run yet

        fragment = await harness.service.get("/dashboard/connections", headers=headers)
        assert 'data-poll-url="/dashboard/connections"' in fragment.text
        assert 'data-summary="Computing your score…"' in fragment.text

        await harness.context.jobs.enqueue_rescore(
            (await harness.service.get("/api/me", headers=headers)).json()["id"]
        )
        await harness.context.jobs.drain()
        fragment = await harness.service.get("/dashboard/connections", headers=headers)
        assert "data-poll-url" not in fragment.text

    async def test_the_fragment_needs_a_session(self, harness: Harness) -> None:
        response = await harness.service.get("/dashboard/connections")
        assert response.status_code == 401


class TestNeedsReauth:
    async def test_offers_authorize_again_for_the_same_store(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("shopify_steady", headers)
        connection_id = await only_connection_id(harness, headers)
        await set_state(
            harness, connection_id, status="needs_reauth", status_reason="the app was removed"
        )
        html = (await dashboard(harness, headers)).text
        assert "Needs authorization" in html
        assert "the app was removed" in html
        shop = await harness.shop_of("shopify_steady")
        assert f'name="shop" value="{shop}"' in html

        response = await post_form(harness, "/connect/shopify", headers, {"shop": shop})
        assert response.status_code == 303
        assert state_of(response.headers["location"])


class TestDisconnect:
    async def test_removes_the_connection(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("steady_us", headers)
        connection_id = await only_connection_id(harness, headers)
        response = await post_form(harness, f"/connections/{connection_id}/disconnect", headers, {})
        assert response.headers["location"] == "/dashboard?notice=disconnected"
        assert (await harness.service.get("/api/connections", headers=headers)).json() == []
        landing = await harness.service.get(response.headers["location"], headers=headers)
        assert "Disconnected. Its tokens and data are deleted" in landing.text

    async def test_someone_elses_connection_is_not_touched(self, harness: Harness) -> None:
        alice = await harness.sign_in("alice")
        await harness.connect("steady_us", alice)
        connection_id = await only_connection_id(harness, alice)
        mallory = await harness.sign_in("mallory")
        response = await post_form(harness, f"/connections/{connection_id}/disconnect", mallory, {})
        assert response.headers["location"] == "/dashboard?notice=not_found"
        assert len((await harness.service.get("/api/connections", headers=alice)).json()) == 1


class TestShopifyForms:
    async def test_a_domain_that_is_not_myshopify_is_explained(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        response = await post_form(harness, "/connect/shopify", headers, {"shop": "evil.com"})
        assert response.headers["location"] == "/dashboard?shopify_error=invalid_shop"
        html = (await harness.service.get(response.headers["location"], headers=headers)).text
        assert "myshopify.com domain" in html and 'role="alert"' in html

    async def test_a_refused_token_stores_nothing(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        shop = await harness.shop_of("shopify_steady")
        response = await post_form(
            harness,
            "/connect/shopify/token",
            headers,
            {"shop": shop, "access_token": "shpat_not_a_real_token"},
        )
        assert response.headers["location"] == "/dashboard?shopify_error=invalid_token"
        assert (await harness.service.get("/api/connections", headers=headers)).json() == []


class TestSharing:
    async def test_grant_lender_read_history_and_revoke(self, harness: Harness) -> None:
        async with transaction(harness.context.sessions) as session:
            lender = await create_lender(session, "Pilot Lender")
            key = await issue_key(session, lender)
        headers = await harness.sign_in("alice")
        me = (await harness.service.get("/api/me", headers=headers)).json()
        page = (await harness.service.get("/sharing", headers=headers)).text
        assert "Pilot Lender" in page and "No lender has read your score." in page

        granted = await post_form(
            harness, "/sharing/grant", headers, {"lender_id": lender.id}, form_page="/sharing"
        )
        assert granted.headers["location"] == "/sharing?notice=granted"
        read = await harness.service.get(
            f"/v1/borrowers/{me['id']}/score",
            headers={"Authorization": f"Bearer {key.plaintext}"},
        )
        assert read.status_code == 200
        page = (await harness.service.get("/sharing", headers=headers)).text
        assert "Pilot Lender read your score" in page
        assert "You shared your score" in page

        (grant,) = (await harness.service.get("/api/grants", headers=headers)).json()
        revoked = await post_form(
            harness, f"/sharing/{grant['id']}/revoke", headers, {}, form_page="/sharing"
        )
        assert revoked.headers["location"] == "/sharing?notice=revoked"
        read = await harness.service.get(
            f"/v1/borrowers/{me['id']}/score",
            headers={"Authorization": f"Bearer {key.plaintext}"},
        )
        assert read.status_code == 404

    async def test_an_unknown_lender_is_a_notice_not_an_error(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        response = await post_form(
            harness, "/sharing/grant", headers, {"lender_id": "nope"}, form_page="/sharing"
        )
        assert response.headers["location"] == "/sharing?notice=not_found"


class TestConnectOutcomes:
    async def test_a_denied_consent_reads_plainly(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        query = urlencode({"tiktokshop_error": "auth_denied"})
        html = (await harness.service.get(f"/dashboard?{query}", headers=headers)).text
        assert "You declined the authorization on TikTok Shop." in html

    async def test_unknown_notices_are_not_echoed(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        html = (await harness.service.get("/dashboard?notice=Call+us+now", headers=headers)).text
        assert "Call us now" not in html
        assert csrf_of(html)
