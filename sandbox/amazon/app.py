"""The Amazon emulator as one Starlette app, mounted at ``/amazon``: Seller Central under
``/seller-central``, Login with Amazon under ``/lwa`` and the SP-API under ``/sp-api``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from sandbox.amazon import oauth
from sandbox.amazon.api import routes
from sandbox.amazon.emulator import AmazonEmulator


def create_amazon_app(emu: AmazonEmulator) -> Starlette:
    async def consent(request: Request) -> Response:
        return oauth.consent(request, emu)

    async def confirm(request: Request) -> Response:
        return await oauth.confirm(request, emu)

    async def token(request: Request) -> Response:
        return await oauth.token(request, emu)

    return Starlette(
        routes=[
            Route("/seller-central/apps/authorize/consent", consent, methods=["GET"]),
            Route("/seller-central/apps/authorize/confirm", confirm, methods=["POST"]),
            Route("/lwa/auth/o2/token", token, methods=["POST"]),
            Mount("/sp-api", routes=routes(emu)),
        ]
    )
