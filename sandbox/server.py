"""The sandbox server: every platform emulator under its prefix plus the shared control API.

``/tiktok-shop`` (consent page, auth host under ``/auth``, open API under ``/api``),
``/shopify/{shop}`` (each Shopify store's admin: OAuth, GraphQL and REST Admin API),
``/amazon`` (Seller Central consent, Login with Amazon under ``/lwa``, SP-API under ``/sp-api``) and
``/_sandbox`` (control API). ``creditscore sandbox serve`` and the service both mount this.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox.amazon.app import create_amazon_app
from sandbox.amazon.emulator import AmazonEmulator
from sandbox.config import SandboxConfig
from sandbox.control import create_control_app
from sandbox.faults import FaultRegistry
from sandbox.shopify.app import create_shopify_app
from sandbox.shopify.emulator import ShopifyEmulator
from sandbox.tiktok_shop.app import create_tiktok_shop_app
from sandbox.tiktok_shop.emulator import TikTokShopEmulator


def create_sandbox_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh sandbox (its own tokens, rate windows and faults) for ``config``."""
    config = config or SandboxConfig()
    faults = FaultRegistry()
    tiktok = TikTokShopEmulator(config, faults)
    shopify = ShopifyEmulator(config, faults)
    amazon = AmazonEmulator(config, faults)
    app = Starlette(
        routes=[
            Mount("/tiktok-shop", app=create_tiktok_shop_app(tiktok)),
            Mount("/shopify", app=create_shopify_app(shopify)),
            Mount("/amazon", app=create_amazon_app(amazon)),
            Mount("/_sandbox", app=create_control_app(tiktok, faults, shopify, amazon)),
        ]
    )
    app.state.config = config
    app.state.tiktok_shop = tiktok
    app.state.shopify = shopify
    app.state.amazon = amazon
    return app
