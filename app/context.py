"""What a running service holds: settings, database, keys, signer, HTTP client, jobs, score reads.

Built once by the lifespan of `create_app` (never at import time) and reached by endpoints through
the dependencies in `app.deps`, by jobs directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.kit.crypto import Keyring
from app.kit.signed import Signer
from app.lender_webhooks.egress import WebhookEgress
from app.models.base import utcnow

if TYPE_CHECKING:
    from app.jobs import JobQueue
    from app.lenders.score_read import ScoreReads


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    keyring: Keyring
    signer: Signer
    http: httpx.AsyncClient
    # Service time: the end of every sync window, when facts were observed, what a score is
    # "as of". Tests pin it; platforms keep their own clocks.
    clock: Callable[[], datetime] = utcnow
    # The time platform clients sign requests with and run their rate budgets and token
    # expiry on: the wall clock. Tests that move the sandbox's clock move this one with it.
    platform_clock: Callable[[], datetime] = utcnow
    # Where lender webhooks go out (transport and name resolver; tests inject their own).
    webhook_egress: WebhookEgress = field(default_factory=WebhookEgress)
    jobs: JobQueue = field(init=False)
    # Lenders' score reads in one statement per batch (PostgreSQL); None: the transactional read.
    score_reads: ScoreReads | None = None

    @classmethod
    def keyring_from(cls, settings: Settings) -> Keyring:
        return Keyring.from_base64(
            {key_id: value.get_secret_value() for key_id, value in settings.encryption_keys.items()}
        )
