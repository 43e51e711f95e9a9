"""What every Admin API call goes through: API version, injected faults, the access token
(401), scopes (403), the 60-day order window and the REST leaky bucket (reference 2, 4, 7, 8).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.faults import RATE_LIMIT_KINDS
from sandbox.shopify.emulator import PLATFORM, ShopifyEmulator
from sandbox.shopify.oauth import note_access_use
from sandbox.shopify.personas import ShopifyPersona
from sandbox.shopify.state import Bucket, Grant, has_scope

DAY = 86400
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED_REST = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"


class AdminError(Exception):
    """An Admin API error answer: ``{"errors": ...}`` with a status and extra headers."""

    def __init__(self, status: int, errors: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(errors))
        self.status, self.errors, self.headers = status, errors, dict(headers or {})

    def response(self, extra: dict[str, str] | None = None) -> JSONResponse:
        headers = {**(extra or {}), **self.headers}
        return JSONResponse({"errors": self.errors}, status_code=self.status, headers=headers)


def unauthorized() -> AdminError:
    return AdminError(401, INVALID_TOKEN)


def missing_scope(scope: str) -> AdminError:
    return AdminError(403, f"[API] This action requires merchant approval for {scope} scope.")


def not_found() -> AdminError:
    return AdminError(404, "Not Found")


VERSION = re.compile(r"\d{4}-(01|04|07|10)")


def served_version(emu: ShopifyEmulator, requested: str) -> str:
    """The version that answers: a listed one as is, an older one falls forward to the oldest
    supported (reference 2), ``unstable`` as is; anything else is 404."""
    supported = sorted(emu.app.api_versions)
    if requested in supported or requested == "unstable":
        return requested
    if VERSION.fullmatch(requested) and requested < supported[0]:
        return supported[0]
    raise not_found()


@dataclass(frozen=True)
class Caller:
    """An authenticated call: whose grant, for which app, and what it may see."""

    grant: Grant
    persona: ShopifyPersona
    now: float

    @property
    def app(self) -> str:
        return self.grant.app

    def require(self, scope: str) -> None:
        if not has_scope(self.grant.scopes, scope):
            raise missing_scope(scope)

    def visible_from(self, emu: ShopifyEmulator) -> float:
        """Orders created before this are invisible without ``read_all_orders`` (reference 0.1)."""
        if "read_all_orders" in self.grant.scopes:
            return -math.inf
        return self.now - emu.app.visible_days_without_read_all_orders * DAY


async def inject_faults(emu: ShopifyEmulator) -> str | None:
    """Draw the request's fault and wait its latency; raise an injected error or HTTP 429 (the
    REST throttling body, with or without ``Retry-After``: Shopify "may temporarily reduce API
    rate limits" on any API, reference 4); return the other kinds. ``"rate_limit"`` means the
    caller should be throttled the way its API normally does it."""
    faults = emu.faults.get(PLATFORM)
    if faults is None:
        return None
    outcome = await faults.before()
    if outcome == "error":
        raise AdminError(faults.status, "Internal Server Error")
    if outcome in RATE_LIMIT_KINDS:
        with_header = outcome == "rate_limit_retry_after"
        headers = {"Retry-After": f"{faults.retry_after_s:.1f}"} if with_header else {}
        raise AdminError(429, THROTTLED_REST, headers)
    return outcome


def authenticate(request: Request, emu: ShopifyEmulator, persona: ShopifyPersona) -> Caller:
    now = emu.now()
    raw = request.headers.get("x-shopify-access-token", "")
    if not raw:
        raise unauthorized()
    token = emu.state.access_tokens.get(raw)
    if token is not None:
        grant = token.grant
        if grant.shop != persona.shop or grant.revoked:
            raise unauthorized()
        if token.expires_at is not None and now >= token.expires_at:
            raise unauthorized()
        note_access_use(emu, token)
        return Caller(grant, persona, now)
    if raw == emu.data(persona.id).custom_app_token:
        grant = emu.state.custom_grant(persona.shop, persona.id)
        if grant.revoked:
            raise unauthorized()
        return Caller(grant, persona, now)
    raise unauthorized()


def rest_bucket(emu: ShopifyEmulator, caller: Caller) -> Bucket:
    key = (caller.persona.shop, caller.app)
    bucket = emu.state.rest_buckets.get(key)
    if bucket is None:
        bucket = Bucket(emu.app.rest_bucket_size, emu.app.rest_leak_per_second, 0.0, caller.now)
        emu.state.rest_buckets[key] = bucket
    return bucket


def rest_throttle(emu: ShopifyEmulator, caller: Caller, *, forced: bool = False) -> str:
    """Take one request from the REST bucket; the call-limit header value, or AdminError 429."""
    bucket = rest_bucket(emu, caller)
    bucket.drain(caller.now)
    header = f"{math.ceil(bucket.level)}/{int(bucket.capacity)}"
    if forced or bucket.level + 1 > bucket.capacity:
        # Seconds until one request fits again, at least one leak interval.
        wait = max(bucket.level + 1 - bucket.capacity, 1.0) / bucket.rate
        raise AdminError(429, THROTTLED_REST, {"Retry-After": f"{wait:.1f}", CALL_LIMIT: header})
    bucket.level += 1
    return f"{math.ceil(bucket.level)}/{int(bucket.capacity)}"
