"""A running service on each database, a clock the tests move, and a lender's receiver behind
``httpx.MockTransport`` that verifies every delivery with the helper lenders copy."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import LenderWebhookSettings
from app.lender_webhooks.egress import WebhookEgress
from app.lender_webhooks.verify import InvalidSignature, verify
from tests.harness import Harness, running_service

RECEIVER_HOST = "hooks.lender.example"
RECEIVER_ADDRESS = "93.184.215.14"
RECEIVER_URL = f"https://{RECEIVER_HOST}/creditscore"


class Clock:
    """The service's clock: still unless a test moves it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Delivery:
    event_id: str
    event: dict[str, Any]
    headers: httpx.Headers
    url: httpx.URL
    verified_with: list[str]


@dataclass
class Receiver:
    """The lender's endpoint. ``answers`` are played in order (then 200); each may be a status
    or an exception to raise (a timeout, a refused connection)."""

    clock: Clock
    secrets: list[str] = field(default_factory=list)
    answers: list[int | Exception | httpx.Response] = field(default_factory=list)
    received: list[Delivery] = field(default_factory=list)
    requests: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        body = request.content
        verified = []
        for secret in self.secrets:
            try:
                verify(
                    body,
                    request.headers.get("creditscore-signature", ""),
                    secret,
                    now=self.clock().timestamp(),
                )
            except InvalidSignature:
                continue
            verified.append(secret)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        if verified:
            self.received.append(
                Delivery(
                    event_id=request.headers["creditscore-event-id"],
                    event=json.loads(body),
                    headers=request.headers,
                    url=request.url,
                    verified_with=verified,
                )
            )
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(answer if verified else 400, text="ok" if verified else "bad sig")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver(clock: Clock) -> Receiver:
    return Receiver(clock)


@pytest.fixture
def dns() -> dict[str, list[str]]:
    """What the injected resolver answers; tests change it to play a rebinding DNS."""
    return {RECEIVER_HOST: [RECEIVER_ADDRESS]}


def resolver_of(table: dict[str, list[str]]) -> Callable[[str, int], Any]:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("name or service not known")
        return list(table[host])

    return resolve


def webhook_settings(**overrides: Any) -> LenderWebhookSettings:
    """As in production (https only, no private targets), with a plain backoff to reason about:
    30 s, 60 s, 120 s … without jitter."""
    values: dict[str, Any] = {
        "allow_http_loopback": False,
        "allow_private_networks": False,
        "retry_wait_s": 30,
        "retry_jitter_s": 0,
        "max_attempts": 4,
        **overrides,
    }
    return LenderWebhookSettings(**values)


@pytest.fixture
async def harness(
    database_url: str,
    tmp_path: Path,
    clock: Clock,
    receiver: Receiver,
    dns: dict[str, list[str]],
) -> AsyncIterator[Harness]:
    async with running_service(
        database_url, tmp_path, clock=clock, lender_webhooks=webhook_settings()
    ) as running:
        running.context.webhook_egress = WebhookEgress(
            transport=httpx.MockTransport(receiver.handler), resolver=resolver_of(dns)
        )
        yield running
