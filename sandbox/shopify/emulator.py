"""The Shopify emulator object: configuration, state and data access shared by its routes and by
the control API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.asof import cut_at
from sandbox.config import SandboxConfig, ShopifyAppConfig
from sandbox.faults import FaultRegistry
from sandbox.shopify.asof import dataset_at
from sandbox.shopify.data import ShopifyData
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
        """The store as it is at the clock."""
        return self.data_at(persona_id, cut_at(self.now()))

    def index_data(self, persona_id: str) -> ShopifyData:
        """The store as the ``updated_at`` search index sees it (``index_lag`` behind)."""
        return self.data_at(persona_id, cut_at(self.now()) - self.config.index_lag(PLATFORM))

    def data_at(self, persona_id: str, cut: int) -> ShopifyData:
        """The store as it was at ``cut`` (unix seconds)."""
        config = self.config
        return dataset_at(config.seed, config.anchor, persona_id, config.history_days, cut)

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
