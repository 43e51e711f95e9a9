"""Helpers for the sandbox tests: a controllable clock, a sandbox app, and a tiny signed client.

The client signs requests with its own few lines of code (never the connector's, never the
sandbox's), so these tests check the sandbox against the reference, not against itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app

ANCHOR = dt.date(2025, 3, 1)
ANCHOR_TS = int(dt.datetime(2025, 3, 1, tzinfo=dt.UTC).timestamp())
API = "/tiktok-shop/api"
DAY = 86400


class Clock:
    """Unix seconds that only move when a test moves them."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sign(secret: str, path: str, query: Mapping[str, str], body: bytes = b"") -> str:
    """Reference 1.2, written out: secret + path + sorted key+value + body + secret, HMAC hex."""
    pairs = "".join(k + query[k] for k in sorted(query) if k not in ("sign", "access_token"))
    message = secret + path + pairs + body.decode() + secret
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class Tts:
    """A minimal TikTok Shop client for the sandbox under test."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock, app_key: str, app_secret: str):
        self.client, self.clock = client, clock
        self.app_key, self.app_secret = app_key, app_secret

    async def authorize(self, persona: str, scopes: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"persona": persona, "state": "st"}
        if scopes is not None:
            body["scopes"] = scopes
        code = (await self.client.post("/_sandbox/tiktok_shop/authorize", json=body)).json()["code"]
        return await self.token_get(code)

    async def token_get(self, code: str, secret: str | None = None) -> dict[str, Any]:
        params = {
            "app_key": self.app_key,
            "app_secret": secret or self.app_secret,
            "auth_code": code,
            "grant_type": "authorized_code",
        }
        response = await self.client.get("/tiktok-shop/auth/api/v2/token/get", params=params)
        result: dict[str, Any] = response.json()
        return result

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        params = {
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        response = await self.client.get("/tiktok-shop/auth/api/v2/token/refresh", params=params)
        result: dict[str, Any] = response.json()
        return result

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        query: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        params = {"app_key": self.app_key, "timestamp": str(timestamp or int(self.clock.now))}
        params.update(query or {})
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        params["sign"] = signature or sign(self.app_secret, path, params, raw)
        headers = {"content-type": "application/json"} if body is not None else {}
        if token is not None:
            headers["x-tts-access-token"] = token
        return await self.client.request(
            method, API + path, params=params, content=raw or None, headers=headers
        )

    async def pull(
        self,
        method: str,
        path: str,
        token: str,
        key: str,
        query: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every record across pages, and every page's ``data``."""
        records: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        page_token = ""
        while True:
            params = dict(query or {})
            if page_token:
                params["page_token"] = page_token
            response = await self.call(method, path, token, params, body)
            envelope = response.json()
            assert envelope["code"] == 0, envelope
            pages.append(envelope["data"])
            records.extend(envelope["data"][key])
            page_token = envelope["data"]["next_page_token"]
            if not page_token:
                return records, pages
            assert len(pages) < 10_000, "paging does not end"


def make_config(clock: Clock, **overrides: Any) -> SandboxConfig:
    return SandboxConfig(seed=7, anchor=ANCHOR, clock=clock, **overrides)


def client_for(config: SandboxConfig) -> httpx.AsyncClient:
    app = create_sandbox_app(config)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


async def shop_cipher(tts: Tts, token: str) -> str:
    response = await tts.call("GET", "/authorization/202309/shops", token)
    cipher: str = response.json()["data"]["shops"][0]["cipher"]
    return cipher
