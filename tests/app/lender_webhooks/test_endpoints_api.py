"""Registering and managing endpoints: URL rules (https, SSRF), the secret shown once and
encrypted at rest, rotation, disabling, deleting, and one lender never seeing another's."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.db import transaction
from app.kit.crypto import secret_aad
from app.lender_webhooks.service import Registered
from app.models import AuditEvent, LenderWebhookEndpoint
from tests.app.lender_webhooks.conftest import RECEIVER_URL, Clock, webhook_settings
from tests.app.lender_webhooks.moves import bearer, lender, register
from tests.harness import Harness, running_service


async def refused(harness: Harness, key: str, url: str) -> dict[str, str]:
    response = await harness.service.post(
        "/v1/webhook-endpoints", json={"url": url}, headers=bearer(key)
    )
    assert response.status_code == 422, response.text
    error: dict[str, str] = response.json()["error"]
    return error


class TestRegistration:
    async def test_https_is_required(self, harness: Harness) -> None:
        _, key = await lender(harness)
        error = await refused(harness, key, "http://hooks.lender.example/creditscore")
        assert error == {
            "code": "invalid_url",
            "message": "the URL must start with https:// (plain http is not allowed)",
        }

    async def test_plain_http_to_loopback_is_refused_unless_allowed(self, harness: Harness) -> None:
        _, key = await lender(harness)
        error = await refused(harness, key, "http://127.0.0.1:9000/hook")
        assert "plain http" in error["message"]

    async def test_bad_urls_get_a_clear_422(self, harness: Harness) -> None:
        _, key = await lender(harness)
        cases = {
            "not a url": "ASCII without spaces",
            "https://user:secret@hooks.lender.example/x": "user name or password",
            "https://unknown.lender.example/x": "could not be resolved",
            "https://hooks.lender.example:0x50/x": "cannot be parsed",
        }
        for url, message in cases.items():
            assert message in (await refused(harness, key, url))["message"], url

    async def test_hosts_resolving_to_private_or_metadata_addresses_are_refused(
        self, harness: Harness, dns: dict[str, list[str]]
    ) -> None:
        _, key = await lender(harness)
        dns["internal.lender.example"] = ["10.0.0.12"]
        dns["metadata.lender.example"] = ["169.254.169.254"]
        dns["loop.lender.example"] = ["127.0.0.1"]
        dns["mixed.lender.example"] = ["93.184.215.14", "192.168.0.4"]
        expected = {
            "internal": "10.0.0.12, a private or reserved address",
            "metadata": "169.254.169.254, a link-local (cloud metadata) address",
            "loop": "127.0.0.1, a loopback address",
            "mixed": "192.168.0.4, a private or reserved address",
        }
        for name, message in expected.items():
            error = await refused(harness, key, f"https://{name}.lender.example/hook")
            assert error["message"] == f"the URL's host resolves to {message}"
        assert (await refused(harness, key, "https://[fd00:ec2::254]/hook"))["code"] == (
            "invalid_url"
        )
        listed = await harness.service.get("/v1/webhook-endpoints", headers=bearer(key))
        assert listed.json() == []

    async def test_invalid_bodies(self, harness: Harness) -> None:
        _, key = await lender(harness)
        for body in (
            {},
            {"url": RECEIVER_URL, "event_types": ["score.deleted"]},
            {"url": RECEIVER_URL, "event_types": []},
            {"url": "https://" + "a" * 2100 + ".example"},
        ):
            response = await harness.service.post(
                "/v1/webhook-endpoints", json=body, headers=bearer(key)
            )
            assert response.status_code == 422, body
            assert response.json()["error"]["code"] == "invalid_request"

    async def test_a_key_without_the_webhooks_scope(self, harness: Harness) -> None:
        _, key = await lender(harness, ("scores:read",))
        response = await harness.service.post(
            "/v1/webhook-endpoints", json={"url": RECEIVER_URL}, headers=bearer(key)
        )
        assert response.status_code == 403
        assert (await harness.service.get("/v1/webhook-endpoints")).status_code == 401

    async def test_the_number_of_endpoints_is_limited(self, harness: Harness) -> None:
        _, key = await lender(harness)
        limit = harness.context.settings.lender_webhooks.max_endpoints_per_lender
        for _ in range(limit):
            await register(harness, key)
        response = await harness.service.post(
            "/v1/webhook-endpoints", json={"url": RECEIVER_URL}, headers=bearer(key)
        )
        assert response.status_code == 409


class TestSecret:
    async def test_shown_once_and_encrypted_at_rest(self, harness: Harness) -> None:
        lender_id, key = await lender(harness)
        created = await register(harness, key, description="prod receiver")
        secret = created["secret"]
        assert secret.startswith("whsec_")
        assert created["event_types"] == ["connection.needs_reauth", "score.updated"]

        listed = (await harness.service.get("/v1/webhook-endpoints", headers=bearer(key))).json()
        assert [row["id"] for row in listed] == [created["id"]]
        assert "secret" not in listed[0] and secret not in str(listed)

        async with transaction(harness.context.sessions) as session:
            row = await session.get(LenderWebhookEndpoint, created["id"])
            assert row is not None and row.lender_id == lender_id
            assert secret not in str([getattr(row, c.key) for c in row.__table__.columns])
            aad = secret_aad("lender_webhook_endpoints", row.id, "secret")
            assert harness.context.keyring.decrypt(row.secret_enc, aad) == secret
            audit = await session.scalar(
                select(AuditEvent).where(AuditEvent.action == "webhook_endpoint.create")
            )
            assert audit is not None and secret not in str(audit.details)
        assert secret not in repr(Registered(row, secret))

    async def test_rotation_returns_a_new_secret_once_and_keeps_the_old_one_a_while(
        self, harness: Harness, clock: Clock
    ) -> None:
        _, key = await lender(harness)
        created = await register(harness, key)
        url = f"/v1/webhook-endpoints/{created['id']}/rotate-secret"
        rotated = await harness.service.post(
            url, json={"previous_secret_hours": 2}, headers=bearer(key)
        )
        assert rotated.status_code == 200
        body = rotated.json()
        assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
        listed = (await harness.service.get("/v1/webhook-endpoints", headers=bearer(key))).json()
        assert body["secret"] not in str(listed)
        assert listed[0]["previous_secret_expires_at"] is not None

        immediate = await harness.service.post(
            url, json={"previous_secret_hours": 0}, headers=bearer(key)
        )
        assert immediate.json()["previous_secret_expires_at"] is None


class TestManagement:
    async def test_disable_enable_and_delete(self, harness: Harness) -> None:
        _, key = await lender(harness)
        created = await register(harness, key)
        url = f"/v1/webhook-endpoints/{created['id']}"
        changed = await harness.service.patch(
            url, json={"enabled": False, "event_types": ["score.updated"]}, headers=bearer(key)
        )
        assert changed.status_code == 200
        assert (changed.json()["enabled"], changed.json()["event_types"]) == (
            False,
            ["score.updated"],
        )
        assert (await harness.service.delete(url, headers=bearer(key))).status_code == 204
        assert (await harness.service.delete(url, headers=bearer(key))).status_code == 404
        listed = await harness.service.get("/v1/webhook-endpoints", headers=bearer(key))
        assert listed.json() == []

    async def test_another_lenders_endpoint_is_not_found(self, harness: Harness) -> None:
        _, owner = await lender(harness)
        _, other = await lender(harness)
        created = await register(harness, owner)
        base = f"/v1/webhook-endpoints/{created['id']}"
        for method, path in (
            ("PATCH", base),
            ("DELETE", base),
            ("POST", f"{base}/rotate-secret"),
            ("GET", f"{base}/deliveries"),
        ):
            kwargs = {"json": {}} if method in ("PATCH", "POST") else {}
            response = await harness.service.request(method, path, headers=bearer(other), **kwargs)
            assert response.status_code == 404, (method, path)
        assert (
            await harness.service.get("/v1/webhook-endpoints", headers=bearer(other))
        ).json() == []


async def test_development_accepts_plain_http_to_loopback(
    database_url: str, tmp_path: Path
) -> None:
    settings = webhook_settings(allow_http_loopback=None, allow_private_networks=None)
    async with running_service(database_url, tmp_path, lender_webhooks=settings) as harness:
        _, key = await lender(harness)
        created = await register(harness, key, url="http://127.0.0.1:9000/hook")
        assert created["url"] == "http://127.0.0.1:9000/hook"
