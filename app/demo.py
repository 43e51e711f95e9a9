"""`creditscore demo`: the whole borrower-to-lender flow against the sandbox, without a browser.

Every TikTok Shop, Shopify and Amazon persona signs in, connects through OAuth (the sandbox's
control API approves the consent as the persona would), the service pulls 90 days and scores,
and a lender with a grant reads the score over the lender API. Everything runs in-process over ASGI
transports; the service code is exactly the code `make run` serves.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from app.config import (
    AmazonSettings,
    Environment,
    JobSettings,
    SandboxSettings,
    Settings,
    ShopifySettings,
    TikTokShopSettings,
)
from app.db import transaction
from app.lenders.keys import create_lender, issue_key
from app.main import create_app, sandbox_app

SERVICE = "http://creditscore.demo"
SANDBOX = "http://sandbox.demo"


PLATFORMS = ("tiktok_shop", "shopify", "amazon")


@dataclass(frozen=True)
class DemoRow:
    platform: str
    persona: str
    story: str
    status: str
    composite: float | None
    tier: str | None
    confidence: str | None
    sub_scores: dict[str, float]
    monthly_revenue_usd: float | None
    order_count: int | None
    reason: str


def demo_settings(
    database_url: str | None,
    data_dir: Path,
    env: Environment = Environment.DEVELOPMENT,
    sandbox_url: str = SANDBOX,
) -> Settings:
    """Settings that send every platform call to a sandbox at ``sandbox_url`` (by default
    ``SANDBOX``, served over an ASGI transport; a real server's URL works the same)."""
    root = f"{sandbox_url}/tiktok-shop"
    return Settings(
        shopify=ShopifySettings(admin_base_url_template=f"{sandbox_url}/shopify/{{shop}}"),
        amazon=AmazonSettings(
            consent_url=f"{sandbox_url}/amazon/seller-central",
            lwa_token_url=f"{sandbox_url}/amazon/lwa/auth/o2/token",
            sp_api_base_url={
                region: f"{sandbox_url}/amazon/sp-api" for region in ("NA", "EU", "FE")
            },
        ),
        env=env,
        data_dir=data_dir,
        database_url=database_url or "",
        public_base_url=SERVICE,
        log_level="WARNING",
        sandbox=SandboxSettings(enabled=False),
        # The demo and the tests drive every pull themselves: no scheduled refresh mid-run.
        jobs=JobSettings(schedule=False),
        tiktok_shop=TikTokShopSettings(
            authorize_url=f"{root}/authorize",
            auth_base_url=f"{root}/auth",
            api_base_url=f"{root}/api",
        ),
    )


@asynccontextmanager
async def in_process(
    settings: Settings,
    clock: Callable[[], datetime] | None = None,
    wrap_platform: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    platform_clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]]:
    """The service and a sandbox wired together over ASGI: (app, service client, sandbox client).

    ``settings`` must send platform calls to ``SANDBOX`` (see `demo_settings`). ``wrap_platform``
    wraps the service's transport to the platforms (tests count or disturb the calls there);
    ``platform_clock`` is the time of the sandbox and of the service's platform clients.
    """
    sandbox = sandbox_app(
        settings, None if platform_clock is None else lambda: platform_clock().timestamp()
    )
    transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=sandbox)
    if wrap_platform is not None:
        transport = wrap_platform(transport)
    app = create_app(
        settings, platform_transport=transport, clock=clock, platform_clock=platform_clock
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVICE) as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url=SANDBOX) as platform,
    ):
        yield app, service, platform


async def run_demo(
    database_url: str | None = None, personas: list[str] | None = None
) -> list[DemoRow]:
    with tempfile.TemporaryDirectory(prefix="creditscore-demo-") as tmp:
        async with in_process(demo_settings(database_url, Path(tmp))) as (app, service, platform):
            catalog = (await platform.get("/_sandbox/personas")).raise_for_status().json()
            wanted = [
                (name, persona)
                for name in PLATFORMS
                for persona in catalog[name]
                if personas is None or persona["id"] in personas
            ]
            lender_id, api_key = await _demo_lender(app)
            return [
                await _one(app, service, platform, name, persona, lender_id, api_key)
                for name, persona in wanted
            ]


async def _borrower(service: httpx.AsyncClient, name: str) -> dict[str, str]:
    response = await service.post("/api/dev/sign-in", json={"name": name})
    return {"Authorization": f"Bearer {response.raise_for_status().json()['session_token']}"}


async def _demo_lender(app: Any) -> tuple[str, str]:
    """A lender and its key, made as `creditscore lenders create` / `keys create` would."""
    async with transaction(app.state.context.sessions) as session:
        lender = await create_lender(session, "Demo Lender")
        return lender.id, (await issue_key(session, lender, "demo")).plaintext


async def _consent_url(
    service: httpx.AsyncClient, platform_name: str, persona: dict[str, Any], auth: dict[str, str]
) -> str:
    """The service's authorization URL for the persona's account (TikTok seller or creator,
    or the persona's Shopify store)."""
    if platform_name == "shopify":
        path, params = "/api/shopify/auth", {"shop": persona["shop"]}
    elif platform_name == "amazon":
        path, params = "/api/amazon/auth", {"region": persona["region"]}
    else:
        path, params = "/api/tiktokshop/auth", {"creator": persona.get("role") == "creator"}
    response = await service.get(path, params=params, headers=auth)
    url: str = response.raise_for_status().json()["authUrl"]
    return url


async def _one(
    app: Any,
    service: httpx.AsyncClient,
    platform: httpx.AsyncClient,
    platform_name: str,
    persona: dict[str, Any],
    lender_id: str,
    api_key: str,
) -> DemoRow:
    auth = await _borrower(service, persona["id"])
    url = await _consent_url(service, platform_name, persona, auth)
    state = parse_qs(urlsplit(url).query)["state"][0]
    consent = await platform.post(
        f"/_sandbox/{platform_name}/authorize", json={"persona": persona["id"], "state": state}
    )
    callback = urlsplit(consent.raise_for_status().json()["callback_url"])
    landed = await service.get(f"{callback.path}?{callback.query}", headers=auth)
    landing = landed.headers.get("location", "")
    await app.state.context.jobs.drain()
    borrower_id = (await service.get("/api/me", headers=auth)).json()["id"]
    granted = await service.post("/api/grants", json={"lender_id": lender_id}, headers=auth)
    granted.raise_for_status()
    lender = {"Authorization": f"Bearer {api_key}"}
    read = await service.get(f"/v1/borrowers/{borrower_id}/score", headers=lender)
    score = read.raise_for_status().json()
    reasons = score.get("reasons") or []
    connected = "_connected=true" in landing
    return DemoRow(
        platform=platform_name,
        persona=persona["id"],
        story=persona.get("story", ""),
        status=score["status"] if connected else f"connect failed ({landing})",
        composite=score.get("composite"),
        tier=score.get("tier"),
        confidence=score.get("confidence"),
        sub_scores=score.get("sub_scores") or {},
        monthly_revenue_usd=score.get("monthly_revenue_usd"),
        order_count=score.get("order_count"),
        reason=reasons[0]["message"] if reasons else "",
    )
