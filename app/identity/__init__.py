"""Borrower identity: Supabase Auth access tokens, Sign-In with Ethereum, sign-in rate limits."""

from __future__ import annotations

from fastapi import FastAPI

from app.identity.endpoints import router
from app.identity.ratelimit import RateLimited, render_rate_limited


def install(app: FastAPI) -> None:
    """Register the SIWE endpoints and the 429 rendering (with ``Retry-After``) on the app."""
    app.include_router(router)
    app.add_exception_handler(RateLimited, render_rate_limited)  # type: ignore[arg-type]
