"""The TikTok Shop emulator object: configuration, state and data access shared by its routes
and by the control API."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sandbox.config import SandboxConfig
from sandbox.faults import FaultRegistry
from sandbox.personas import PERSONAS_BY_ID, Persona
from sandbox.tiktok_shop.dataset import Dataset, dataset
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
        return PERSONAS_BY_ID.get(persona_id)

    def data(self, persona_id: str) -> Dataset:
        return dataset(self.config.seed, self.config.anchor, persona_id, self.config.history_days)

    def default_scopes(self, persona: Persona) -> tuple[str, ...]:
        return CREATOR_SCOPES if persona.role == "creator" else SELLER_SCOPES

    def issue_code(self, persona: Persona, scopes: tuple[str, ...] | None = None) -> str:
        return self.state.new_code(
            self.config.tiktok.app_key,
            persona.id,
            scopes if scopes is not None else self.default_scopes(persona),
            self.now() + self.config.auth_code_ttl,
        )
