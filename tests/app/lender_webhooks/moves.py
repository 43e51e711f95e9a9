"""What the webhook tests do over and over: a lender with an endpoint, a borrower who grants it,
a score stored, the queue run."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from app.db import transaction
from app.jobs import tasks
from app.lenders.keys import create_lender, issue_key
from app.models import LenderWebhookDelivery, LenderWebhookEvent
from tests.app.lender_webhooks.conftest import RECEIVER_URL, Receiver
from tests.harness import Harness

_names = itertools.count()
SCOPES = ("scores:read", "webhooks:manage")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def lender(harness: Harness, scopes: tuple[str, ...] = SCOPES) -> tuple[str, str]:
    """A new lender and an API key of it: (lender id, key)."""
    async with transaction(harness.context.sessions) as session:
        row = await create_lender(session, f"Webhook Lender {next(_names)}")
        issued = await issue_key(session, row, "test", scopes)
        return row.id, issued.plaintext


async def register(
    harness: Harness, key: str, url: str = RECEIVER_URL, **body: Any
) -> dict[str, Any]:
    response = await harness.service.post(
        "/v1/webhook-endpoints", json={"url": url, **body}, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def lender_with_endpoint(
    harness: Harness, receiver: Receiver
) -> tuple[str, str, dict[str, Any]]:
    """A lender whose endpoint is the receiver (which learns the secret): (id, key, endpoint)."""
    lender_id, key = await lender(harness)
    endpoint = await register(harness, key)
    receiver.secrets.append(endpoint["secret"])
    return lender_id, key, endpoint


async def borrower(harness: Harness, name: str) -> tuple[str, dict[str, str]]:
    headers = await harness.sign_in(name)
    me = (await harness.service.get("/api/me", headers=headers)).json()
    return me["id"], headers


async def grant(harness: Harness, headers: dict[str, str], lender_id: str) -> str:
    response = await harness.service.post(
        "/api/grants", json={"lender_id": lender_id}, headers=headers
    )
    assert response.status_code == 201, response.text
    grant_id: str = response.json()["id"]
    return grant_id


async def store_score(harness: Harness, borrower_id: str) -> None:
    """A score is stored for the borrower (the re-score job), then the queue runs."""
    await tasks.rescore(harness.context, borrower_id)
    await harness.context.jobs.drain()


async def sweep(harness: Harness) -> None:
    """What the periodic sweep does at a tick: send whatever is due now."""
    await harness.context.jobs.enqueue_lender_webhooks()
    await harness.context.jobs.drain()


async def log(harness: Harness, key: str, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await harness.service.get(
        f"/v1/webhook-endpoints/{endpoint_id}/deliveries", params=params, headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def stored(harness: Harness) -> tuple[list[LenderWebhookEvent], list[LenderWebhookDelivery]]:
    async with transaction(harness.context.sessions) as session:
        events = list(await session.scalars(select(LenderWebhookEvent)))
        deliveries = list(await session.scalars(select(LenderWebhookDelivery)))
    return events, deliveries
