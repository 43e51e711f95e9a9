"""A running service wired to an in-process sandbox, and the moves a borrower and a lender make."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from app.config import Environment
from app.context import AppContext
from app.demo import demo_settings, in_process


@dataclass
class Harness:
    app: FastAPI
    service: httpx.AsyncClient
    platform: httpx.AsyncClient

    @property
    def context(self) -> AppContext:
        context: AppContext = self.app.state.context
        return context

    async def sign_in(self, name: str) -> dict[str, str]:
        response = await self.service.post("/api/dev/sign-in", json={"name": name})
        token = response.raise_for_status().json()["session_token"]
        return {"Authorization": f"Bearer {token}"}

    async def auth_url(self, headers: dict[str, str], *, creator: bool = False) -> str:
        response = await self.service.get(
            "/api/tiktokshop/auth", params={"creator": creator}, headers=headers
        )
        url: str = response.raise_for_status().json()["authUrl"]
        return url

    async def consent(self, persona: str, state: str, **extra: Any) -> str:
        """The callback URL the sandbox consent page would send the browser to."""
        response = await self.platform.post(
            f"/_sandbox/{platform_of(persona)}/authorize",
            json={"persona": persona, "state": state, **extra},
        )
        url: str = response.raise_for_status().json()["callback_url"]
        return url

    async def region_of(self, persona: str) -> str:
        catalog = (await self.platform.get("/_sandbox/personas")).raise_for_status().json()
        region: str = next(p["region"] for p in catalog["amazon"] if p["id"] == persona)
        return region

    async def shop_of(self, persona: str) -> str:
        catalog = (await self.platform.get("/_sandbox/personas")).raise_for_status().json()
        shop: str = next(p["shop"] for p in catalog["shopify"] if p["id"] == persona)
        return shop

    async def shopify_auth_url(self, headers: dict[str, str], shop: str) -> httpx.Response:
        return await self.service.get("/api/shopify/auth", params={"shop": shop}, headers=headers)

    async def follow_callback(self, callback_url: str, headers: dict[str, str]) -> httpx.Response:
        parts = urlsplit(callback_url)
        return await self.service.get(f"{parts.path}?{parts.query}", headers=headers)

    async def connect(self, persona: str, headers: dict[str, str], **extra: Any) -> httpx.Response:
        """Auth URL → consent → callback; waits for the pull and scoring to finish."""
        if platform_of(persona) == "shopify":
            response = await self.shopify_auth_url(headers, await self.shop_of(persona))
            state = state_of(response.raise_for_status().json()["authUrl"])
        elif platform_of(persona) == "amazon":
            response = await self.service.get(
                "/api/amazon/auth",
                params={"region": await self.region_of(persona)},
                headers=headers,
            )
            state = state_of(response.raise_for_status().json()["authUrl"])
        else:
            creator = persona == "creator_affiliate"
            state = state_of(await self.auth_url(headers, creator=creator))
        landing = await self.follow_callback(await self.consent(persona, state, **extra), headers)
        await self.context.jobs.drain()
        return landing

    async def connected(self, borrower: str, persona: str) -> str:
        """A new borrower ``borrower`` connects ``persona`` and its pull completes; the
        connection's id."""
        headers = await self.sign_in(borrower)
        await self.connect(persona, headers)
        (connection,) = (await self.service.get("/api/connections", headers=headers)).json()
        connection_id: str = connection["id"]
        return connection_id

    async def ground_truth(self, persona: str, start: int, end: int) -> dict[str, Any]:
        response = await self.platform.get(
            f"/_sandbox/{platform_of(persona)}/ground-truth/{persona}",
            params={"start": start, "end": end},
        )
        truth: dict[str, Any] = response.raise_for_status().json()
        return truth


TIKTOK_PERSONAS = (
    "steady_us",
    "growing_us",
    "declining_us",
    "new_shop",
    "high_returns",
    "creator_affiliate",
    "gb_seller",
    "id_seller",
)
SHOPIFY_PERSONAS = (
    "shopify_steady",
    "shopify_growing",
    "shopify_declining",
    "shopify_new",
    "shopify_high_refunds",
    "shopify_eu",
)
AMAZON_PERSONAS = ("amazon_us", "amazon_eu", "amazon_declining", "amazon_new")
ALL_PERSONAS = TIKTOK_PERSONAS + SHOPIFY_PERSONAS + AMAZON_PERSONAS


def platform_of(persona: str) -> str:
    for platform in ("shopify", "amazon"):
        if persona.startswith(f"{platform}_"):
            return platform
    return "tiktok_shop"


def state_of(auth_url: str) -> str:
    return parse_qs(urlsplit(auth_url).query)["state"][0]


@asynccontextmanager
async def running_service(
    database_url: str,
    data_dir: Path,
    clock: Callable[[], datetime] | None = None,
    wrap_platform: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    platform_clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    settings = demo_settings(database_url, data_dir, env=Environment.TEST)
    settings = settings.model_copy(update={"log_level": "INFO", **overrides})
    async with in_process(settings, clock, wrap_platform, platform_clock) as (
        app,
        service,
        platform,
    ):
        yield Harness(app, service, platform)
