"""Helpers for the Amazon sandbox tests: a sandbox on a controlled clock, a tiny LWA/SP-API
client and the location of Amazon's models (never copied into the repository)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from tts_client import ANCHOR, ANCHOR_TS, Clock

from sandbox.config import AmazonAppConfig, SandboxConfig
from sandbox.server import create_sandbox_app
from tests.reference import reference_dir

__all__ = ["ANCHOR", "ANCHOR_TS", "PERSONAS", "REFERENCE", "Amz", "Clock", "amazon_sandbox"]

SP = "/amazon/sp-api"
TOKEN_URL = "/amazon/lwa/auth/o2/token"
PERSONAS = ("amazon_us", "amazon_eu", "amazon_declining", "amazon_new")


REFERENCE = reference_dir()


class Amz:
    """A minimal LWA + SP-API client for the sandbox under test."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock, config: SandboxConfig) -> None:
        self.client, self.clock, self.app = client, clock, config.amazon

    def creds(self) -> dict[str, str]:
        return {"client_id": self.app.lwa_client_id, "client_secret": self.app.lwa_client_secret}

    async def code(self, persona: str) -> str:
        body = {"persona": persona, "state": "st"}
        response = await self.client.post("/_sandbox/amazon/authorize", json=body)
        return str(response.json()["code"])

    async def exchange(self, code: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, **self.creds()}
        return await self.client.post(TOKEN_URL, data=form)

    async def login(self, persona: str) -> dict[str, Any]:
        response = await self.exchange(await self.code(persona))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def get(self, token: str, path: str, params: Any = None) -> httpx.Response:
        return await self.client.get(
            SP + path, params=params, headers={"x-amz-access-token": token}
        )


@asynccontextmanager
async def amazon_sandbox(
    clock: Clock, time_scale: float = 1.0, seed: int = 20240601
) -> AsyncIterator[Amz]:
    config = SandboxConfig(
        seed=seed,
        anchor=ANCHOR,
        clock=clock,
        amazon=AmazonAppConfig(time_scale=time_scale, reference_dir=str(REFERENCE)),
    )
    transport = httpx.ASGITransport(app=create_sandbox_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield Amz(client, clock, config)
