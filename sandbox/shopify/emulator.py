"""The Shopify emulator object: configuration, state and data access shared by its routes and by
the control API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.config import SandboxConfig, ShopifyAppConfig
from sandbox.faults import FaultRegistry
from sandbox.shopify.data import ShopifyData, dataset
from sandbox.shopify.personas import (
    SHOPIFY_PERSONAS_BY_ID,
    SHOPIFY_PERSONAS_BY_SHOP,
    ShopifyPersona,
)
from sandbox.shopify.state import AuthCode, ShopifyState

PLATFORM = "shopify"
DEFAULT_SCOPES = ("read_orders", "read_products", "read_all_orders")


@dataclass
class ShopifyEmulator:
    config: SandboxConfig
    faults: FaultRegistry
    state: ShopifyState = field(default_factory=ShopifyState)

    @property
    def app(self) -> ShopifyAppConfig:
        return self.config.shopify

    def now(self) -> float:
        return self.config.clock()

    def persona(self, persona_id: str) -> ShopifyPersona | None:
        return SHOPIFY_PERSONAS_BY_ID.get(persona_id)

    def persona_for_shop(self, shop: str) -> ShopifyPersona | None:
        return SHOPIFY_PERSONAS_BY_SHOP.get(shop.lower())

    def data(self, persona_id: str) -> ShopifyData:
        return dataset(self.config.seed, self.config.anchor, persona_id, self.config.history_days)

    def redirect_allowed(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.app.redirect_url, *self.app.extra_redirect_urls)

    def issue_code(
        self,
        persona: ShopifyPersona,
        scopes: tuple[str, ...],
        *,
        online: bool = False,
        expiring_default: bool = False,
    ) -> str:
        code = AuthCode(
            persona.shop,
            persona.id,
            scopes,
            self.now() + self.app.auth_code_ttl,
            online,
            expiring_default,
        )
        return self.state.new_code(code)
