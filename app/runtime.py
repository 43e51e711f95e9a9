"""What the service and a worker both open: database, HTTP client, keyring, job queue.

`open_context` is the one place that builds an `AppContext` and closes it again, so the API
process (`create_app`'s lifespan) and `creditscore worker` run the tasks with the same wiring.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx

from app import db
from app.config import Settings
from app.context import AppContext
from app.jobs import JobQueue, create_queue
from app.kit.signed import Signer
from app.logging import configure as configure_logging
from app.models.base import utcnow


@asynccontextmanager
async def open_context(
    settings: Settings,
    *,
    platform_transport: httpx.AsyncBaseTransport | None = None,
    migrate: bool = True,
    clock: Callable[[], datetime] | None = None,
    platform_clock: Callable[[], datetime] | None = None,
    queue: Callable[[AppContext], JobQueue] = create_queue,
) -> AsyncIterator[AppContext]:
    configure_logging(settings.log_level)
    url = settings.resolved_database_url
    if migrate:
        await asyncio.to_thread(db.upgrade, url)
    engine = db.create_engine(
        url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )
    http = httpx.AsyncClient(
        transport=platform_transport,
        timeout=settings.tiktok_shop.timeout_s,
        follow_redirects=False,
        headers={"user-agent": "creditscore/0.1"},
    )
    context = AppContext(
        settings=settings,
        engine=engine,
        sessions=db.session_factory(engine),
        keyring=AppContext.keyring_from(settings),
        signer=Signer(settings.secret_key.get_secret_value()),
        http=http,
        clock=clock or utcnow,
        platform_clock=platform_clock or utcnow,
    )
    context.jobs = queue(context)
    try:
        await context.jobs.start()
        yield context
    finally:
        await context.jobs.close()
        await http.aclose()
        await engine.dispose()
