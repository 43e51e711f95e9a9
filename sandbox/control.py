"""The test-only control API under ``/_sandbox``: apps, personas, direct authorization, ground
truth (``as_of``: the truth at that instant, default the clock), search index lag, token expiry
and revocation, fault injection, sample webhooks (see the protocol notes) and TikTok Shop's
platform settings (latency, rate limit).

TikTok Shop's routes are under ``/_sandbox/tiktok_shop``, Shopify's under ``/_sandbox/shopify``,
Amazon's under ``/_sandbox/amazon``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.amazon import control as amazon_control
from sandbox.amazon.emulator import PLATFORM as AMAZON
from sandbox.amazon.emulator import AmazonEmulator
from sandbox.asof import parse_as_of
from sandbox.faults import FaultConfigError, FaultRegistry, Faults
from sandbox.personas import PERSONAS
from sandbox.shopify import control as shopify_control
from sandbox.shopify.emulator import PLATFORM as SHOPIFY
from sandbox.shopify.emulator import ShopifyEmulator
from sandbox.tiktok_shop.dataset import ground_truth
from sandbox.tiktok_shop.emulator import PLATFORM, TikTokShopEmulator
from sandbox.tiktok_shop.oauth import callback_url
from sandbox.tiktok_shop.state import CREATOR_SCOPES, SELLER_SCOPES
from sandbox.tiktok_shop.webhooks import sample_webhook

PLATFORMS = (PLATFORM, SHOPIFY, AMAZON)


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _truth_window(request: Request, now: float) -> tuple[int, int, int]:
    """``start`` and ``end`` (create time) and ``as_of`` (default: the clock) of a truth query."""
    params = request.query_params
    try:
        start = int(params.get("start", 0))
        end = int(params.get("end", 2**62))
        as_of = parse_as_of(params.get("as_of"), now)
    except ValueError:
        raise ControlError(400, "start, end and as_of must be unix seconds") from None
    return start, end, as_of


def create_control_app(
    tiktok: TikTokShopEmulator,
    faults: FaultRegistry,
    shopify: ShopifyEmulator | None = None,
    amazon: AmazonEmulator | None = None,
) -> Starlette:
    shopify = shopify or ShopifyEmulator(tiktok.config, faults)
    shop_ctl = shopify_control.ShopifyControl(shopify)
    amz = amazon_control.AmazonControl(amazon or AmazonEmulator(tiktok.config, faults))

    def persona_or_404(persona_id: object) -> Any:
        persona = tiktok.persona(str(persona_id)) if persona_id is not None else None
        if persona is None:
            raise ControlError(404, f"unknown persona: {persona_id!r}")
        return persona

    async def apps(request: Request) -> dict[str, Any]:
        app = tiktok.config.tiktok
        return {
            PLATFORM: {
                "app_key": app.app_key,
                "app_secret": app.app_secret,
                "service_id": app.service_id,
                "redirect_url": app.redirect_url,
            },
            SHOPIFY: shopify_control.app_info(shop_ctl.emu),
            AMAZON: amz.app_info(),
        }

    async def personas(request: Request) -> dict[str, Any]:
        return {
            PLATFORM: [p.public() for p in PERSONAS],
            SHOPIFY: shopify_control.personas_info(),
            AMAZON: amz.personas_info(),
        }

    async def authorize(request: Request) -> dict[str, Any]:
        body = await _json(request)
        persona = persona_or_404(body.get("persona"))
        scopes = body.get("scopes")
        if scopes is not None:
            known = set(SELLER_SCOPES) | set(CREATOR_SCOPES)
            if not isinstance(scopes, list) or not all(s in known for s in scopes):
                raise ControlError(400, f"scopes must be a list of known scopes: {sorted(known)}")
            scopes = tuple(scopes)
        code = tiktok.issue_code(persona, scopes)
        redirect = body.get("redirect_uri") or tiktok.config.tiktok.redirect_url
        return {
            "code": code,
            "callback_url": callback_url(redirect, str(body.get("state", "")), code),
        }

    async def truth(request: Request) -> dict[str, Any]:
        persona = persona_or_404(request.path_params["persona"])
        start, end, as_of = _truth_window(request, tiktok.now())
        return {**ground_truth(tiktok.data_at(persona.id, as_of), start, end), "as_of": as_of}

    async def expire_tokens(request: Request) -> dict[str, Any]:
        persona = persona_or_404((await _json(request)).get("persona"))
        return {"expired": tiktok.state.expire_tokens(persona.id, tiktok.now())}

    async def revoke(request: Request) -> dict[str, Any]:
        persona = persona_or_404((await _json(request)).get("persona"))
        return {"revoked": tiktok.state.revoke(persona.id)}

    async def webhook_sample(request: Request) -> dict[str, Any]:
        body = await _json(request)
        persona = persona_or_404(body.get("persona"))
        app = tiktok.config.tiktok
        try:
            return sample_webhook(
                tiktok.data(persona.id),
                int(body.get("type", 1)),
                app.app_key,
                app.app_secret,
                tiktok.now(),
                body.get("order_id"),
            )
        except (LookupError, ValueError) as exc:
            raise ControlError(400, str(exc)) from None

    async def settings(request: Request) -> dict[str, Any]:
        config = tiktok.config
        if request.method == "POST":
            body = await _json(request)
            latency = body.get("latency_ms", config.latency_ms)
            limit = body.get("rate_limit_per_second", config.rate_limit_per_second)
            if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
                raise ControlError(400, "latency_ms must be a non-negative integer")
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ControlError(400, "rate_limit_per_second must be a positive integer")
            config.latency_ms, config.rate_limit_per_second = latency, limit
        return {
            "latency_ms": config.latency_ms,
            "rate_limit_per_second": config.rate_limit_per_second,
        }

    async def set_faults(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            faults.active.clear()
            return {"faults": {}}
        if request.method == "GET":
            # settings plus what was injected so far (counts per kind, corrupted record ids)
            return {"faults": {name: f.report() for name, f in faults.active.items()}}
        body = await _json(request)
        platform = body.get("platform", PLATFORM)
        if platform not in PLATFORMS:
            raise ControlError(400, f"unknown platform: {platform!r}")
        try:
            faults.active[platform] = Faults.from_json(body)
        except FaultConfigError as exc:
            raise ControlError(400, str(exc)) from None
        return {"faults": {name: f.public() for name, f in faults.active.items()}}

    async def index_lag(request: Request) -> dict[str, Any]:
        # One SandboxConfig is shared by the three emulators in the server; update each anyway.
        configs = {id(e.config): e.config for e in (tiktok, shop_ctl.emu, amz.emu)}
        if request.method == "POST":
            body = await _json(request)
            platform, seconds = body.get("platform"), body.get("index_lag_seconds")
            if platform not in PLATFORMS:
                raise ControlError(400, f"unknown platform: {platform!r}")
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
                raise ControlError(400, "index_lag_seconds must be a non-negative integer")
            for config in configs.values():
                config.index_lag_seconds[platform] = seconds
        return {"index_lag_seconds": {p: tiktok.config.index_lag(p) for p in PLATFORMS}}

    async def shopify_authorize(request: Request) -> dict[str, Any]:
        return shop_ctl.authorize(await _json(request))

    async def shopify_tokens(request: Request) -> dict[str, Any]:
        return shop_ctl.custom_app_tokens()

    async def shopify_truth(request: Request) -> dict[str, Any]:
        start, end, as_of = _truth_window(request, tiktok.now())
        return shop_ctl.truth(request.path_params["persona"], start, end, as_of)

    async def shopify_expire(request: Request) -> dict[str, Any]:
        return shop_ctl.expire_tokens(await _json(request))

    async def shopify_revoke(request: Request) -> dict[str, Any]:
        return shop_ctl.revoke(await _json(request))

    async def shopify_sample(request: Request) -> dict[str, Any]:
        return shop_ctl.webhook_sample(await _json(request))

    async def shopify_deliver(request: Request) -> dict[str, Any]:
        return await shop_ctl.webhook_deliver(await _json(request))

    async def amazon_authorize(request: Request) -> dict[str, Any]:
        return amz.authorize(await _json(request))

    async def amazon_truth(request: Request) -> dict[str, Any]:
        start, end, as_of = _truth_window(request, tiktok.now())
        return amz.truth(request.path_params["persona"], start, end, as_of)

    async def amazon_expire(request: Request) -> dict[str, Any]:
        return amz.expire_tokens(await _json(request))

    async def amazon_revoke(request: Request) -> dict[str, Any]:
        return amz.revoke(await _json(request))

    async def amazon_settings(request: Request) -> dict[str, Any]:
        return amz.settings(await _json(request))

    def endpoint(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                return JSONResponse(await handler(request))
            except (
                ControlError,
                shopify_control.ShopifyControlError,
                amazon_control.AmazonControlError,
            ) as exc:
                return JSONResponse({"detail": exc.detail}, status_code=exc.status)

        return run

    shop = f"/{SHOPIFY}"
    amzn = f"/{AMAZON}"

    prefix = f"/{PLATFORM}"
    return Starlette(
        routes=[
            Route("/apps", endpoint(apps), methods=["GET"]),
            Route("/personas", endpoint(personas), methods=["GET"]),
            Route("/faults", endpoint(set_faults), methods=["GET", "POST", "DELETE"]),
            Route("/index-lag", endpoint(index_lag), methods=["GET", "POST"]),
            Route(f"{prefix}/authorize", endpoint(authorize), methods=["POST"]),
            Route(f"{prefix}/settings", endpoint(settings), methods=["GET", "POST"]),
            Route(f"{prefix}/ground-truth/{{persona}}", endpoint(truth), methods=["GET"]),
            Route(f"{prefix}/expire-tokens", endpoint(expire_tokens), methods=["POST"]),
            Route(f"{prefix}/revoke", endpoint(revoke), methods=["POST"]),
            Route(f"{prefix}/webhooks/sample", endpoint(webhook_sample), methods=["POST"]),
            Route(f"{shop}/authorize", endpoint(shopify_authorize), methods=["POST"]),
            Route(f"{shop}/custom-app-tokens", endpoint(shopify_tokens), methods=["GET"]),
            Route(f"{shop}/ground-truth/{{persona}}", endpoint(shopify_truth), methods=["GET"]),
            Route(f"{shop}/expire-tokens", endpoint(shopify_expire), methods=["POST"]),
            Route(f"{shop}/revoke", endpoint(shopify_revoke), methods=["POST"]),
            Route(f"{shop}/webhooks/sample", endpoint(shopify_sample), methods=["POST"]),
            Route(f"{shop}/webhooks/deliver", endpoint(shopify_deliver), methods=["POST"]),
            Route(f"{amzn}/authorize", endpoint(amazon_authorize), methods=["POST"]),
            Route(f"{amzn}/ground-truth/{{persona}}", endpoint(amazon_truth), methods=["GET"]),
            Route(f"{amzn}/expire-tokens", endpoint(amazon_expire), methods=["POST"]),
            Route(f"{amzn}/revoke", endpoint(amazon_revoke), methods=["POST"]),
            Route(f"{amzn}/settings", endpoint(amazon_settings), methods=["POST"]),
        ]
    )
