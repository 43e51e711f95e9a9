"""The TikTok Shop emulator as one Starlette app: ``/authorize``, ``/auth/api/v2/token/{get,
refresh}`` and the open API under ``/api`` (signed paths are relative to that mount)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from sandbox.tiktok_shop import api, oauth
from sandbox.tiktok_shop.emulator import TikTokShopEmulator

API_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def create_tiktok_shop_app(emu: TikTokShopEmulator) -> Starlette:
    async def consent(request: Request) -> Response:
        return await oauth.consent(request, emu)

    async def token_get(request: Request) -> Response:
        return await oauth.token(request, emu, refresh=False)

    async def token_refresh(request: Request) -> Response:
        return await oauth.token(request, emu, refresh=True)

    async def open_api(request: Request) -> Response:
        return await api.dispatch(request, emu)

    return Starlette(
        routes=[
            Route("/authorize", consent, methods=["GET", "POST"]),
            Route("/auth/api/v2/token/get", token_get, methods=["GET"]),
            Route("/auth/api/v2/token/refresh", token_refresh, methods=["GET"]),
            Mount("/api", routes=[Route("/{path:path}", open_api, methods=API_METHODS)]),
        ]
    )
