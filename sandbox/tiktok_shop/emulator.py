"""The TikTok Shop emulator object: configuration, state and data access shared by its routes
and by the control API."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sandbox.asof import cut_at
from sandbox.config import SandboxConfig
from sandbox.faults import FaultRegistry
from sandbox.personas import Persona, persona_by_id
from sandbox.tiktok_shop.asof import dataset_at
from sandbox.tiktok_shop.dataset import Dataset
from sandbox.tiktok_shop.state import CREATOR_SCOPES, SELLER_SCOPES, TikTokState

PLATFORM = "tiktok_shop"


@dataclass
class TikTokShopEmulator:
    config: SandboxConfig
    faults: FaultRegistry
    state: TikTokState = field(default_factory=TikTokState)

    def now(self) -> float:
        return self.config.clock()

    @property
    def page_secret(self) -> bytes:
        # Derived from the seed so page tokens are deterministic and survive a restart.
        return hashlib.sha256(f"tts-page-token:{self.config.seed}".encode()).digest()

    def persona(self, persona_id: str) -> Persona | None:
        return persona_by_id(persona_id)

    def data(self, persona_id: str) -> Dataset:
        """The persona's data as they are at the clock."""
        return self.data_at(persona_id, cut_at(self.now()))

    def index_data(self, persona_id: str) -> Dataset:
        """The data as the update-time search index sees them (``index_lag`` behind)."""
        return self.data_at(persona_id, cut_at(self.now()) - self.config.index_lag(PLATFORM))

    def data_at(self, persona_id: str, cut: int) -> Dataset:
        """The persona's data as they were at ``cut`` (unix seconds)."""
        config = self.config
        return dataset_at(config.seed, config.anchor, persona_id, config.history_days, cut)

    def default_scopes(self, persona: Persona) -> tuple[str, ...]:
        return CREATOR_SCOPES if persona.role == "creator" else SELLER_SCOPES

    def issue_code(self, persona: Persona, scopes: tuple[str, ...] | None = None) -> str:
        return self.state.new_code(
            self.config.tiktok.app_key,
            persona.id,
            scopes if scopes is not None else self.default_scopes(persona),
            self.now() + self.config.auth_code_ttl,
        )
