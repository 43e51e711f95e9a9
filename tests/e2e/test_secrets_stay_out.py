"""No platform token, app secret, authorization code or lender key ever reaches a log line, a
response or the database in plaintext, whatever flow ran: every platform's connect, pulls with
expired tokens refreshed, webhooks, lender reads, failures."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.connections.token_crypto import read_tokens
from app.db import transaction
from app.models import BusinessConnection
from tests.e2e.test_tiktok_shop_flow import database_text, make_lender
from tests.harness import Harness, platform_of, state_of


class TestSecretsStayOut:
    async def test_no_secret_in_logs_responses_or_database(
        self, harness: Harness, caplog: pytest.LogCaptureFixture, capsys: Any
    ) -> None:
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="httpx")
        bodies: list[str] = []

        async def keep(response: httpx.Response) -> None:
            await response.aread()
            bodies.extend([response.text, str(response.headers)])

        harness.service.event_hooks["response"].append(keep)
        settings = harness.context.settings
        secrets = [
            settings.tiktok_shop.app_secret.get_secret_value(),
            settings.shopify.client_secret.get_secret_value(),
            settings.amazon.lwa_client_secret.get_secret_value(),
        ]
        headers = await harness.sign_in("seller")
        for persona in ("steady_us", "shopify_steady", "amazon_us"):
            callback = await self.consent(harness, persona, headers)
            query = parse_qs(urlsplit(callback).query)
            secrets.extend(query.get("code", []) + query.get("spapi_oauth_code", []))
            await harness.follow_callback(callback, headers)
            await harness.context.jobs.drain()
            secrets.extend(await stored_tokens(harness))  # these are refreshed away below
            await harness.platform.post(
                f"/_sandbox/{platform_of(persona)}/expire-tokens", json={"persona": persona}
            )
        for connection in (await harness.service.get("/api/connections", headers=headers)).json():
            await harness.context.jobs.sync_and_score(connection["id"])
        shopify_token = (await harness.platform.get("/_sandbox/shopify/custom-app-tokens")).json()[
            "shopify_eu"
        ]
        secrets.append(shopify_token["access_token"])
        await harness.service.post(
            "/api/shopify/connect",
            json={
                "shopDomain": shopify_token["shop"],
                "accessToken": shopify_token["access_token"],
            },
            headers=headers,
        )
        await harness.service.post(  # a refused token must not echo either
            "/api/shopify/connect",
            json={"shopDomain": shopify_token["shop"], "accessToken": "shpat_" + "e" * 32},
            headers=headers,
        )
        secrets.append("shpat_" + "e" * 32)
        sample = (
            await harness.platform.post(
                "/_sandbox/shopify/webhooks/sample",
                json={"persona": "shopify_steady", "topic": "orders/updated"},
            )
        ).json()
        await harness.service.post(
            "/webhooks/shopify", headers=sample["headers"], content=sample["body"].encode()
        )
        lender_id, key = await make_lender(harness)
        secrets.append(key)
        await harness.service.post("/api/grants", json={"lender_id": lender_id}, headers=headers)
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        await harness.service.get(
            f"/v1/borrowers/{borrower_id}/score", headers={"Authorization": f"Bearer {key}"}
        )
        await harness.service.get(  # a wrong key must not be echoed
            f"/v1/borrowers/{borrower_id}/score", headers={"Authorization": f"Bearer {key}x"}
        )
        await harness.context.jobs.drain()
        secrets.extend(await stored_tokens(harness))
        assert len(set(secrets)) >= 16

        output = capsys.readouterr()
        logs = "\n".join([caplog.text, output.out, output.err])
        assert "sync_finished" in logs  # the service did log its work
        stored = await database_text(harness)
        for secret in secrets:
            assert secret not in logs
            assert secret not in "\n".join(bodies)
            assert secret not in stored

    async def consent(self, harness: Harness, persona: str, headers: dict[str, str]) -> str:
        platform = platform_of(persona)
        if platform == "shopify":
            url = (await harness.shopify_auth_url(headers, await harness.shop_of(persona))).json()[
                "authUrl"
            ]
        elif platform == "amazon":
            url = (await harness.service.get("/api/amazon/auth", headers=headers)).json()["authUrl"]
        else:
            url = await harness.auth_url(headers)
        return await harness.consent(persona, state_of(url))


async def stored_tokens(harness: Harness) -> list[str]:
    """Every platform token the service holds right now, decrypted."""
    found: list[str] = []
    async with transaction(harness.context.sessions) as session:
        for row in await session.scalars(select(BusinessConnection)):
            if row.access_token_enc:
                tokens = read_tokens(harness.context.keyring, row)
                found.extend(t for t in (tokens.access_token, tokens.refresh_token) if t)
    return found
