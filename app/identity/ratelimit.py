"""Brute-force protection: sign-in attempts per client address over a moving window.

Built on `limits` (moving window): one limiter per running app. Attempts are counted where
``CS_IDENTITY__RATE_LIMIT_STORAGE`` says: in the process by default (each test's service starts
with a clean slate), or in a store the service's processes share (Redis), so that running
several processes behind a load balancer does not multiply the limit. The client address is
what the ASGI server reports; behind a proxy, run the server with its trusted-proxy option so
that address is the real client's.
"""

from __future__ import annotations

import math
import time

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.kit.errors import AppError

PRODUCTION_LIMIT = "10/minute"
# Development and the test suite sign in often from one address; attacks are tested with a
# low limit set explicitly.
DEVELOPMENT_LIMIT = "1000/minute"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


async def render_rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}},
        status_code=exc.status_code,
        headers={"Retry-After": str(exc.retry_after_s)},
    )


class SignInLimiter:
    def __init__(
        self, limit: str, storage: str = "memory://", key_prefix: str = "creditscore-sign-in"
    ):
        self.item: RateLimitItem = parse(limit)
        self._in_memory = storage.startswith("memory")
        options = {} if self._in_memory else {"key_prefix": key_prefix}
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage, **options))

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimiter:
        identity = settings.identity
        default = DEVELOPMENT_LIMIT if settings.is_development else PRODUCTION_LIMIT
        return cls(
            identity.sign_in_rate_limit or default,
            identity.rate_limit_storage,
            identity.rate_limit_key_prefix,
        )

    def hit(self, endpoint: str, client: str) -> None:
        """Count one attempt; raises `RateLimited` once the window is full."""
        if self._limiter.hit(self.item, endpoint, client):
            return
        reset_at = self._limiter.get_window_stats(self.item, endpoint, client).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"too many sign-in attempts from your address: retry in {retry_after} s",
            retry_after_s=retry_after,
        )

    async def hit_async(self, endpoint: str, client: str) -> None:
        """`hit` from async code: a shared store's network round trip runs in a worker thread,
        so a flood of failed attempts cannot stall the event loop for everyone else."""
        if self._in_memory:
            self.hit(endpoint, client)
        else:
            await run_in_threadpool(self.hit, endpoint, client)


def limiter_of(app: FastAPI, settings: Settings) -> SignInLimiter:
    limiter: SignInLimiter | None = getattr(app.state, "sign_in_limiter", None)
    if limiter is None:
        limiter = app.state.sign_in_limiter = SignInLimiter.from_settings(settings)
    return limiter


def _limit_sign_in(request: Request) -> None:
    settings: Settings = request.app.state.context.settings
    client = request.client.host if request.client else "unknown"
    limiter_of(request.app, settings).hit(request.url.path, client)


# Add to a sign-in route: ``@router.post(..., dependencies=[SignInRateLimit])``.
SignInRateLimit = Depends(_limit_sign_in)
