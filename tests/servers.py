"""Real processes on 127.0.0.1 for tests that need them: the sandbox server, `creditscore` commands.

Everything started here is stopped by the context manager that started it, and every wait is
bounded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app import db
from app.config import Environment, JobSettings, Settings
from app.demo import SERVICE, demo_settings
from app.main import create_app
from tests.harness import Harness

# The CLI as a subprocess, without relying on the console script being on PATH.
CLI = [sys.executable, "-c", "from app.cli import main; main()"]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a `creditscore` subprocess needs to act as ``settings`` does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    tts, shop, amazon = settings.tiktok_shop, settings.shopify, settings.amazon
    env.update(
        {
            "CS_ENV": settings.env.value,
            "CS_DATABASE_URL": settings.resolved_database_url,
            "CS_DATA_DIR": str(settings.data_dir),
            "CS_PUBLIC_BASE_URL": settings.public_base_url,
            "CS_LOG_LEVEL": "WARNING",
            "CS_SANDBOX__ENABLED": "false",
            "CS_JOBS__SCHEDULE": "false",
            "CS_JOBS__SYNC_LEASE_SECONDS": str(settings.jobs.sync_lease_seconds),
            "CS_JOBS__RETRY_WAIT_S": str(settings.jobs.retry_wait_s),
            "CS_TIKTOK_SHOP__AUTHORIZE_URL": tts.authorize_url,
            "CS_TIKTOK_SHOP__AUTH_BASE_URL": tts.auth_base_url,
            "CS_TIKTOK_SHOP__API_BASE_URL": tts.api_base_url,
            "CS_SHOPIFY__ADMIN_BASE_URL_TEMPLATE": shop.admin_base_url_template,
            "CS_AMAZON__CONSENT_URL": amazon.consent_url,
            "CS_AMAZON__LWA_TOKEN_URL": amazon.lwa_token_url,
            "CS_AMAZON__SP_API_BASE_URL": json.dumps(amazon.sp_api_base_url),
        }
    )
    if settings.sandbox.anchor is not None:
        env["CS_SANDBOX__ANCHOR"] = settings.sandbox.anchor.isoformat()
    return env


@contextmanager
def sandbox_server(settings: Settings, *, startup_s: float = 60.0) -> Iterator[str]:
    """`creditscore sandbox serve` on a free loopback port, registered for ``settings``' app;
    yields its base URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        yield from _serve(settings, port, log, startup_s)


def _serve(settings: Settings, port: int, log: Any, startup_s: float) -> Iterator[str]:
    process = subprocess.Popen(
        [*CLI, "sandbox", "serve", "--port", str(port)],
        env=settings_env(settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"sandbox server exited: {log.read()[-2000:]!r}")
            try:
                if httpx.get(f"{url}/_sandbox/personas", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox server did not start in time")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Stack:
    """The service in this process, talking over real HTTP to a sandbox server, and what a
    `creditscore` subprocess needs to act on the same database and platforms."""

    harness: Harness
    env: dict[str, str]
    sync_url: str


@asynccontextmanager
async def service_on_sandbox_server(
    database_url: str, data_dir: Path, jobs: JobSettings
) -> AsyncIterator[Stack]:
    base = demo_settings(database_url, data_dir, env=Environment.TEST)
    with sandbox_server(base) as url:
        settings = demo_settings(database_url, data_dir, env=Environment.TEST, sandbox_url=url)
        settings = settings.model_copy(update={"jobs": jobs})
        app = create_app(settings)  # platform calls go over real HTTP to the sandbox server
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVICE) as service,
            httpx.AsyncClient(base_url=url, timeout=30) as platform,
        ):
            yield Stack(
                Harness(app, service, platform),
                settings_env(settings),
                db.driver_urls(settings.resolved_database_url)[1],
            )
