"""What the service and a worker both open: database, HTTP client, keyring, job queue.

`open_context` is the one place that builds an `AppContext` and closes it again, so the API
process (`create_app`'s lifespan) and `creditscore worker` run the tasks with the same wiring.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx

from app import db
from app.config import Settings
from app.context import AppContext
from app.jobs import JobQueue, create_queue
from app.kit.signed import Signer
from app.lenders.score_read import ScoreReads
from app.logging import configure as configure_logging
from app.models.base import utcnow

# How long an idle connection to a platform is kept for reuse: well under the 5 s after which
# `creditscore run` (and so the sandbox it mounts) closes idle connections. At httpx's default,
# also 5 s, a connection taken from the pool as the server closed it failed its request with a
# read error; on a busy event loop the gap between taking and sending grows, and an OAuth code
# exchange (single use) is not retried. Real platforms keep connections open longer.
PLATFORM_KEEPALIVE_S = 2.0

_heap_frozen = False


def freeze_startup_heap() -> None:
    """Put what is alive once a process has started (modules, settings, pools, clients) out of
    the garbage collector's reach, having collected once so no garbage is kept with it; once per
    process, later calls do nothing.

    A pull allocates tens of thousands of short-lived objects per page (decoded JSON, records,
    rows), so the collector's oldest generation comes round every few dozen pages, and each of
    those full collections walked the whole startup heap again: about a quarter of a second on
    a loaded 2-core machine, an eighth of a 20,000-order backfill's CPU (bench.ingestion). A
    lender's score read, likewise, spent about a fifth of its CPU there (bench.lender_api).
    Frozen objects are still freed when nothing refers to them; only cycles among them stay.
    Called when a long-running process's context is open (`creditscore worker`, `creditscore
    sync`, the service's startup); once, because tests open many contexts in one process."""
    global _heap_frozen
    if _heap_frozen:
        return
    _heap_frozen = True
    gc.collect()
    gc.freeze()


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
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        ping_after_idle_s=settings.database_ping_after_idle_seconds,
    )
    http = httpx.AsyncClient(
        transport=platform_transport,
        timeout=settings.tiktok_shop.timeout_s,
        follow_redirects=False,
        headers={"user-agent": "creditscore/0.1"},
        limits=httpx.Limits(keepalive_expiry=PLATFORM_KEEPALIVE_S),
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
    if engine.dialect.name == "postgresql":
        context.score_reads = ScoreReads(engine)
    try:
        await context.jobs.start()
        yield context
    finally:
        if context.score_reads is not None:
            await context.score_reads.aclose()
        await context.jobs.close()
        await http.aclose()
        await engine.dispose()
