"""The Amazon part of the control API (``/_sandbox/amazon/...``): direct authorization, ground
truth, token expiry and revocation, and the rate ``time_scale``."""

from __future__ import annotations

from typing import Any

from sandbox.amazon.emulator import AmazonEmulator
from sandbox.amazon.oauth import callback_url
from sandbox.amazon.personas import AMAZON_PERSONAS, AmazonPersona
from sandbox.amazon.truth import ground_truth


class AmazonControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class AmazonControl:
    def __init__(self, emu: AmazonEmulator) -> None:
        self.emu = emu

    def persona(self, persona_id: object) -> AmazonPersona:
        persona = self.emu.persona(str(persona_id)) if persona_id is not None else None
        if persona is None:
            raise AmazonControlError(404, f"unknown persona: {persona_id!r}")
        return persona

    def app_info(self) -> dict[str, str]:
        app = self.emu.app
        return {
            "application_id": app.application_id,
            "lwa_client_id": app.lwa_client_id,
            "lwa_client_secret": app.lwa_client_secret,
            "redirect_url": app.redirect_url,
        }

    @staticmethod
    def personas_info() -> list[dict[str, object]]:
        return [p.public() for p in AMAZON_PERSONAS]

    def authorize(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        redirect = str(body.get("redirect_uri") or self.emu.app.redirect_url)
        if not self.emu.redirect_allowed(redirect):
            raise AmazonControlError(400, "redirect_uri is not registered for the app")
        code = self.emu.issue_code(persona, redirect)
        return {
            "code": code,
            "callback_url": callback_url(
                redirect, str(body.get("state", "")), persona.selling_partner_id, code
            ),
        }

    def truth(self, persona_id: str, start: int, end: int, as_of: int) -> dict[str, Any]:
        """The seller's truth for ``[start, end)`` as it was at ``as_of`` (unix seconds)."""
        data = self.emu.data_at(self.persona(persona_id).id, as_of)
        return {**ground_truth(data, start, end), "as_of": as_of}

    def expire_tokens(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        return {"expired": self.emu.state.expire_tokens(persona.id, self.emu.now())}

    def revoke(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"revoked": self.emu.state.revoke(self.persona(body.get("persona")).id)}

    def settings(self, body: dict[str, Any]) -> dict[str, Any]:
        if "time_scale" in body:
            try:
                scale = float(body["time_scale"])
            except (TypeError, ValueError):
                raise AmazonControlError(400, "time_scale must be a number") from None
            if not scale > 0:
                raise AmazonControlError(400, "time_scale must be positive")
            self.emu.time_scale = scale
        return {"time_scale": self.emu.time_scale}
