"""The Amazon emulator object: configuration, state, rate settings and data shared by its routes
and by the control API."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.amazon.asof import dataset_at
from sandbox.amazon.data import AmazonData
from sandbox.amazon.personas import AMAZON_PERSONAS_BY_ID, AmazonPersona
from sandbox.amazon.state import AmazonState, AuthCode
from sandbox.amazon.static_cases import reference_dir
from sandbox.asof import cut_at
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
        """The seller's data as they are at the clock."""
        return self.data_at(persona_id, cut_at(self.now()))

    def index_data(self, persona_id: str) -> AmazonData:
        """The data as the ``LastUpdated`` search index sees them (``index_lag`` behind)."""
        return self.data_at(persona_id, cut_at(self.now()) - self.config.index_lag(PLATFORM))

    def data_at(self, persona_id: str, cut: int) -> AmazonData:
        """The seller's data as they were at ``cut`` (unix seconds)."""
        config = self.config
        return dataset_at(config.seed, config.anchor, persona_id, config.history_days, cut)

    def redirect_allowed(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.app.redirect_url, *self.app.extra_redirect_urls)

    def issue_code(self, persona: AmazonPersona, redirect_uri: str) -> str:
        return self.state.new_code(
            AuthCode(persona.id, redirect_uri, self.now() + self.app.auth_code_ttl)
        )
