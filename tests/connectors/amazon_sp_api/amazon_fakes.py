"""Helpers for Amazon connector unit tests: config, tokens, a fake clock, and a fake SP-API.

``FakeClock`` advances only when the code under test sleeps through it, so throttling is
measured in virtual seconds and no test really waits. ``FakeSpApi`` stands behind
``httpx.MockTransport`` and answers from a handler, checking the access token and recording
requests; it also serves the LWA token endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.amazon_sp_api import AmazonClient, AmazonConfig
from connectors.core.http import RetryPolicy
from connectors.core.records import TokenSet
from connectors.core.tokens import MemoryTokenStore
from tests.reference import reference_dir

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SELLER = "A1SELLERTEST01"
SECRET = "lwa_secret_value_xyz"
CONFIG = AmazonConfig(
    application_id="amzn1.sellerapps.app.test",
    lwa_client_id="amzn1.application-oa2-client.test",
    lwa_client_secret=SECRET,
    consent_url="https://sc.test",
    lwa_token_url="https://lwa.test/auth/o2/token",
    sp_api_base_urls={"NA": "https://na.test", "EU": "https://eu.test", "FE": "https://fe.test"},
)


def amazon_reference() -> Path:
    return reference_dir("amazon")


def load_sandbox_cases(name: str) -> list[dict[str, Any]]:
    data = json.loads((amazon_reference() / "sandbox" / name).read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["examples"]
    return cases


def tokens(
    access: str = "Atza|A1",
    *,
    expires: datetime | None = None,
    refresh_expires: datetime | None = None,
    account_id: str | None = SELLER,
) -> TokenSet:
    return TokenSet(
        access_token=access,
        access_expires_at=expires or NOW + timedelta(hours=1),
        refresh_token="Atzr|R1",
        refresh_expires_at=refresh_expires or NOW + timedelta(days=200),
        account_id=account_id,
    )


class FakeClock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


Handler = Callable[[httpx.Request], httpx.Response]


def amazon_error(status: int, code: str, message: str = "", details: str = "") -> httpx.Response:
    body = {"errors": [{"code": code, "message": message or code, "details": details}]}
    return httpx.Response(status, json=body, headers={"x-amzn-RequestId": "rid"})


QUOTA = amazon_error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
EXPIRED = amazon_error(
    403,
    "Unauthorized",
    "Access to requested resource is denied.",
    "The access token you provided has expired.",
)
REVOKED = amazon_error(
    403,
    "Unauthorized",
    "Access to requested resource is denied.",
    "The access token you provided is revoked, malformed or invalid.",
)


@dataclass
class FakeSpApi:
    handler: Handler = field(default=lambda request: httpx.Response(404))
    valid_tokens: set[str] = field(default_factory=lambda: {"Atza|A1"})
    lwa: Handler | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    refreshes: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "lwa.test":
            self.refreshes += 1
            if self.lwa is not None:
                return self.lwa(request)
            new = f"Atza|A{self.refreshes + 1}"
            self.valid_tokens = {new}
            return httpx.Response(
                200,
                json={
                    "access_token": new,
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "refresh_token": "Atzr|R1",
                },
            )
        if request.headers.get("x-amz-access-token") not in self.valid_tokens:
            return EXPIRED
        return self.handler(request)


@dataclass
class Harness:
    api: FakeSpApi
    store: MemoryTokenStore
    client: AmazonClient
    clock: FakeClock
    http: httpx.AsyncClient


def build(
    api: FakeSpApi,
    *,
    config: AmazonConfig = CONFIG,
    token_set: TokenSet | None = None,
    region: str = "NA",
) -> Harness:
    clock = FakeClock()
    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    store = MemoryTokenStore(token_set or tokens())
    client = AmazonClient(
        config,
        http,
        SELLER,
        region,
        store,
        retry=RetryPolicy.immediate(3),
        clock=clock,
        sleep=clock.sleep,
    )
    return Harness(api, store, client, clock, http)
