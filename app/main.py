"""The service: `create_app(settings)` wires routers, the error handler and the lifespan.

Nothing is created at import time. The lifespan applies migrations, opens the database and the
shared HTTP client, and starts the job runner; `platform_transport` lets tests and the demo route
platform calls to an in-process sandbox instead of the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app.audit.endpoints import router as audit_router
from app.borrowers.endpoints import router as borrowers_router
from app.config import SANDBOX_MOUNT, Settings
from app.connections.amazon_endpoints import router as amazon_router
from app.connections.endpoints import router as connections_router
from app.connections.shopify_endpoints import router as shopify_router
from app.identity import install as install_identity
from app.jobs.durable import DurableQueue
from app.kit.body_limit import BodySizeLimit
from app.kit.deadline import RequestDeadline
from app.kit.errors import error_responses, install_error_handler
from app.lender_webhooks.endpoints import router as lender_webhooks_router
from app.lenders.endpoints import router as lenders_router
from app.reports.endpoints import router as reports_router
from app.runtime import freeze_startup_heap, open_context
from app.scores.endpoints import router as scores_router
from app.web.connections import router as page_connections_router
from app.web.email_sign_in import router as page_email_sign_in_router
from app.web.pages import STATIC_DIR
from app.web.pages import router as pages_router
from app.web.sharing import router as page_sharing_router
from app.web.wallet import router as page_wallet_router
from app.webhooks.endpoints import router as webhooks_router


def sandbox_app(settings: Settings, clock: Callable[[], float] | None = None) -> ASGIApp:
    """The platform emulators, registered with this service's app credentials and callback;
    ``clock`` (unix seconds) is the platforms' time, the wall clock unless a test moves it."""
    from sandbox.config import AmazonAppConfig, SandboxConfig, ShopifyAppConfig, TikTokAppConfig
    from sandbox.server import create_sandbox_app

    tts = settings.tiktok_shop
    config = SandboxConfig(
        seed=settings.sandbox.seed,
        tiktok=TikTokAppConfig(
            app_key=tts.app_key,
            app_secret=tts.app_secret.get_secret_value(),
            service_id=tts.service_id,
            redirect_url=settings.tiktok_redirect_url,
        ),
        shopify=ShopifyAppConfig(
            client_id=settings.shopify.client_id,
            client_secret=settings.shopify.client_secret.get_secret_value(),
            redirect_url=settings.shopify_redirect_url,
        ),
        amazon=AmazonAppConfig(
            application_id=settings.amazon.application_id,
            lwa_client_id=settings.amazon.lwa_client_id,
            lwa_client_secret=settings.amazon.lwa_client_secret.get_secret_value(),
            redirect_url=settings.amazon_redirect_url,
        ),
        rotate_refresh_tokens=settings.sandbox.rotate_refresh_tokens,
    )
    if settings.sandbox.anchor is not None:
        config.anchor = settings.sandbox.anchor
    if clock is not None:
        config.clock = clock
    return create_sandbox_app(config)


def create_app(
    settings: Settings | None = None,
    *,
    platform_transport: httpx.AsyncBaseTransport | None = None,
    migrate: bool = True,
    clock: Callable[[], datetime] | None = None,
    platform_clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_context(
            settings,
            platform_transport=platform_transport,
            migrate=migrate,
            clock=clock,
            platform_clock=platform_clock,
        ) as context:
            app.state.context = context
            worker = None
            if settings.jobs.worker_in_api and isinstance(context.jobs, DurableQueue):
                worker = asyncio.get_running_loop().create_task(context.jobs.run_worker())
            # A served process: startup is over (a test process: its first app only).
            freeze_startup_heap()
            try:
                yield
            finally:
                if worker is not None:
                    worker.cancel()
                    await asyncio.gather(worker, return_exceptions=True)

    app = FastAPI(
        title="creditscore",
        version="0.1.0",
        summary="Credit scores for creators and online sellers, from verified platform data.",
        lifespan=lifespan,
        # Any route can answer these: a body over the cap, an invalid request, the deadline.
        responses=error_responses(413, 422, 504),
    )
    install_error_handler(app)
    app.add_middleware(BodySizeLimit)
    # Added last, so outermost: the deadline also covers reading the body.
    app.add_middleware(RequestDeadline, seconds=settings.request_timeout_seconds)
    install_identity(app)
    for router in (
        borrowers_router,
        connections_router,
        shopify_router,
        amazon_router,
        webhooks_router,
        scores_router,
        lenders_router,
        reports_router,
        lender_webhooks_router,
        audit_router,
        pages_router,
        page_connections_router,
        page_sharing_router,
        page_wallet_router,
        page_email_sign_in_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.sandbox.enabled:
        app.mount(SANDBOX_MOUNT, sandbox_app(settings))
    return app
