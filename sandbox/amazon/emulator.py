"""The Amazon emulator object: configuration, state, rate settings and data shared by its routes
and by the control API."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.amazon.data import AmazonData, dataset
from sandbox.amazon.personas import AMAZON_PERSONAS_BY_ID, AmazonPersona
from sandbox.amazon.state import AmazonState, AuthCode
from sandbox.amazon.static_cases import reference_dir
from sandbox.config import AmazonAppConfig, SandboxConfig
from sandbox.faults import FaultRegistry

PLATFORM = "amazon"


@dataclass
class AmazonEmulator:
    config: SandboxConfig
    faults: FaultRegistry
    state: AmazonState = field(default_factory=AmazonState)
    time_scale: float = 0.0

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            self.time_scale = self.config.amazon.time_scale

    @property
    def app(self) -> AmazonAppConfig:
        return self.config.amazon

    @property
    def reference(self) -> Path:
        return reference_dir(self.app.reference_dir)

    def now(self) -> float:
        return self.config.clock()

    def persona(self, persona_id: str) -> AmazonPersona | None:
        return AMAZON_PERSONAS_BY_ID.get(persona_id)

    def data(self, persona_id: str) -> AmazonData:
        return dataset(self.config.seed, self.config.anchor, persona_id, self.config.history_days)

    def redirect_allowed(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.app.redirect_url, *self.app.extra_redirect_urls)

    def issue_code(self, persona: AmazonPersona, redirect_uri: str) -> str:
        return self.state.new_code(
            AuthCode(persona.id, redirect_uri, self.now() + self.app.auth_code_ttl)
        )
