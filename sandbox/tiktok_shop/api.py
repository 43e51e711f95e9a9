"""The open-API host: every check of reference section 12, in order, then the endpoint.

Order of checks: route, injected faults, app_key, timestamp window, sign, access token (present,
valid, not revoked, not expired), user_type, scope, shop_cipher (forbidden / required / bound to
the token's shop), rate limit, API version, then the endpoint's own parameters.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.fault_answers import broken
from sandbox.fault_pages import PageShape, paged, token_at
from sandbox.tiktok_shop import envelope as errors
from sandbox.tiktok_shop.context import Call
from sandbox.tiktok_shop.emulator import PLATFORM, TikTokShopEmulator
from sandbox.tiktok_shop.endpoints import ENDPOINTS, Endpoint
from sandbox.tiktok_shop.envelope import PlatformError, fail, ok
from sandbox.tiktok_shop.signing import expected_sign, sign_matches
from sandbox.tiktok_shop.state import AccessToken


def _route(path: str, method: str) -> tuple[Endpoint, str]:
    parts = path.strip("/").split("/")
    if len(parts) < 3:
        raise errors.INVALID_PATH
    category, version, resource = parts[0], parts[1], "/".join(parts[2:])
    matches = [e for e in ENDPOINTS if e.category == category and e.resource == resource]
    if not matches:
        raise errors.INVALID_PATH
    for endpoint in matches:
        if endpoint.method == method:
            return endpoint, version
    raise errors.INVALID_METHOD


def _check_timestamp(raw: str | None, now: float, emu: TikTokShopEmulator) -> None:
    if not raw:
        raise errors.invalid_credentials("The timestamp query parameter is missing.")
    try:
        timestamp = int(raw)
    except ValueError:
        raise errors.invalid_credentials("The timestamp query parameter is invalid.") from None
    if timestamp < now - emu.config.timestamp_past_tolerance:
        raise errors.invalid_credentials("The timestamp is expired: it is more than 5 minutes old.")
    if timestamp > now + emu.config.timestamp_future_tolerance:
        raise errors.invalid_credentials("The timestamp is in the future.")


def _check_token(request: Request, emu: TikTokShopEmulator, now: float) -> AccessToken:
    raw = request.headers.get("x-tts-access-token")
    if not raw:
        raise errors.invalid_credentials("The x-tts-access-token header is missing.")
    token = emu.state.access_tokens.get(raw)
    if token is None or token.grant.app_key != emu.config.tiktok.app_key:
        raise errors.invalid_credentials("The x-tts-access-token header is invalid.")
    if token.grant.revoked:
        raise errors.TOKEN_DEAUTHORIZED
    if now >= token.expires_at:
        raise errors.TOKEN_EXPIRED
    return token


async def _body_json(request: Request, body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise errors.BODY_NOT_JSON
    try:
        parsed = json.loads(body)
    except ValueError:
        raise errors.invalid_param("The request body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise errors.invalid_param("The request body must be a JSON object.")
    return parsed


async def _handle(
    request: Request, emu: TikTokShopEmulator, now: float, fault: str | None
) -> dict[str, Any]:
    path = "/" + request.path_params["path"]
    endpoint, version = _route(path, request.method)

    faults = emu.faults.get(PLATFORM)
    if faults is not None and fault == "error":
        internal = errors.INTERNAL_ERROR
        raise PlatformError(internal.code, internal.message, faults.status)
    if fault is not None and fault.startswith("rate_limit"):
        raise errors.RATE_LIMITED

    query = dict(request.query_params)
    app = emu.config.tiktok
    if query.get("app_key") != app.app_key:
        raise errors.invalid_credentials("The app_key query parameter is invalid.")
    _check_timestamp(query.get("timestamp"), now, emu)
    given_sign = query.get("sign")
    if not given_sign:
        raise errors.invalid_credentials("The sign query parameter is missing.")
    body = await request.body()
    expected = expected_sign(app.app_secret, path, query, body, request.headers.get("content-type"))
    if not sign_matches(expected, given_sign):
        raise errors.INVALID_SIGN

    token = _check_token(request, emu, now)
    persona = emu.persona(token.grant.persona_id)
    assert persona is not None  # tokens are only issued for known personas
    user_type = 1 if persona.role == "creator" else 0
    if user_type not in endpoint.user_types:
        raise errors.WRONG_USER_TYPE
    if not any(scope in token.grant.scopes for scope in endpoint.scopes):
        raise errors.MISSING_SCOPE

    data = emu.data(persona.id)
    cipher = query.get("shop_cipher")
    if endpoint.shop == "forbidden" and cipher is not None:
        raise errors.invalid_credentials("Unexpected identifier: shop_cipher.")
    if endpoint.shop == "required":
        if not cipher:
            raise errors.MISSING_SHOP_CIPHER
        if data.shop is None or cipher != data.shop["cipher"]:
            raise errors.SHOP_NOT_BOUND

    account = data.shop["id"] if data.shop and endpoint.shop == "required" else data.open_id
    if not emu.state.hit((app.app_key, account, path), now, emu.config.rate_limit_per_second):
        raise errors.RATE_LIMITED
    if version not in endpoint.versions:
        raise errors.INVALID_VERSION

    body_json = await _body_json(request, body)
    call = Call(data, query, body_json, now, emu.page_secret, emu.index_data(persona.id))
    return endpoint.handler(call)


async def dispatch(request: Request, emu: TikTokShopEmulator) -> Response:
    """Answer one open-API call, with the injected faults (``sandbox.faults``) applied."""
    if emu.config.latency_ms > 0:
        # the platform's own latency (a setting, unlike the latency fault): sleeping, not
        # blocking, so other requests are served meanwhile as by a real platform
        await asyncio.sleep(emu.config.latency_ms / 1000)
    now = emu.now()
    faults = emu.faults.get(PLATFORM)
    fault = await faults.before() if faults is not None else None
    try:
        data = await _handle(request, emu, now, fault)
    except PlatformError as error:
        response = fail(now, error)
        if faults is not None and fault == "rate_limit_retry_after":
            # the reference documents no Retry-After; this fault checks clients that honour one
            response.headers["Retry-After"] = f"{faults.retry_after_s:g}"
        return response
    category, _, resource = request.path_params["path"].strip("/").partition("/")
    shape = PAGED.get(f"{category}/{resource.partition('/')[2]}")
    if shape is not None:
        data = paged(faults, PLATFORM, shape, request.query_params.get("page_token") or None, data)
    return broken(faults, fault, ok(now, data))


# The order search: page and record faults (other lists get request faults only).
PAGED = {
    "order/orders/search": PageShape(
        key="order/orders/search",
        records_path=("orders",),
        next_token=token_at(("next_page_token",)),
        id_path=("id",),
        time_field=("create_time",),
        amount_path=("payment", "total_amount"),
        currency_path=("payment", "currency"),
    )
}
