"""The Shopify part of the control API under ``/_sandbox/shopify`` (see the protocol notes):
direct authorization, custom-app tokens, ground truth, token expiry, uninstall and webhooks."""

from __future__ import annotations

from typing import Any

from sandbox.shopify.emulator import DEFAULT_SCOPES, ShopifyEmulator
from sandbox.shopify.oauth import ScopeError, callback_url, parse_scopes
from sandbox.shopify.personas import SHOPIFY_PERSONAS, ShopifyPersona
from sandbox.shopify.truth import ground_truth
from sandbox.shopify.webhooks import TOPICS, deliver, sample


class ShopifyControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def app_info(emu: ShopifyEmulator) -> dict[str, Any]:
    app = emu.app
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_url": app.redirect_url,
        "api_versions": list(app.api_versions),
        "default_api_version": app.default_api_version,
    }


def personas_info() -> list[dict[str, str]]:
    return [p.public() for p in SHOPIFY_PERSONAS]


class ShopifyControl:
    """Handlers taking the parsed JSON body (or query) and returning the JSON answer."""

    def __init__(self, emu: ShopifyEmulator) -> None:
        self.emu = emu

    def persona(self, persona_id: object) -> ShopifyPersona:
        persona = self.emu.persona(str(persona_id)) if persona_id is not None else None
        if persona is None:
            raise ShopifyControlError(404, f"unknown persona: {persona_id!r}")
        return persona

    def authorize(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        scopes_raw = body.get("scopes")
        scopes: tuple[str, ...] = DEFAULT_SCOPES
        if scopes_raw is not None:
            if isinstance(scopes_raw, list) and all(isinstance(s, str) for s in scopes_raw):
                scopes_raw = ",".join(scopes_raw)
            if not isinstance(scopes_raw, str):
                raise ShopifyControlError(400, "scopes must be a list of scope names")
            try:
                scopes = parse_scopes(scopes_raw)
            except ScopeError as exc:
                raise ShopifyControlError(400, str(exc)) from None
        expiring = body.get("expiring", False)
        if not isinstance(expiring, bool):
            raise ShopifyControlError(400, "expiring must be a boolean")
        code = self.emu.issue_code(persona, scopes, expiring_default=expiring)
        redirect = str(body.get("redirect_uri") or self.emu.app.redirect_url)
        url = callback_url(
            self.emu.app.client_secret,
            redirect,
            persona,
            code,
            str(body.get("state", "")),
            self.emu.now(),
        )
        return {"code": code, "callback_url": url}

    def custom_app_tokens(self) -> dict[str, Any]:
        return {
            p.id: {"shop": p.shop, "access_token": self.emu.data(p.id).custom_app_token}
            for p in SHOPIFY_PERSONAS
        }

    def truth(self, persona_id: str, start: int, end: int, as_of: int) -> dict[str, Any]:
        """The store's truth for orders created in ``[start, end)`` as it was at ``as_of``."""
        data = self.emu.data_at(self.persona(persona_id).id, as_of)
        return {**ground_truth(data, start, end), "as_of": as_of}

    def expire_tokens(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        return {"expired": self.emu.state.expire_tokens(persona.id, self.emu.now())}

    def revoke(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        which = body.get("app", "all")
        if which not in ("all", "public", "custom"):
            raise ShopifyControlError(400, "app must be all, public or custom")
        return {"revoked": self.emu.state.revoke(persona.id, persona.shop, which)}

    def _delivery(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self.persona(body.get("persona"))
        topic = body.get("topic")
        if topic not in TOPICS:
            raise ShopifyControlError(400, f"topic must be one of {', '.join(TOPICS)}")
        webhook_id = body.get("webhook_id")
        order_id = body.get("order_id")
        try:
            return sample(
                self.emu,
                self.emu.data(persona.id),
                str(topic),
                str(webhook_id) if webhook_id else None,
                order_id if isinstance(order_id, str | int) else None,
            )
        except (LookupError, ValueError) as exc:
            raise ShopifyControlError(400, str(exc)) from None

    def webhook_sample(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._delivery(body)

    async def webhook_deliver(self, body: dict[str, Any]) -> dict[str, Any]:
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ShopifyControlError(400, "url must be an http(s) URL")
        attempts = body.get("attempts", self.emu.app.webhook_attempts)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 20:
            raise ShopifyControlError(400, "attempts must be an integer from 1 to 20")
        delivery = self._delivery(body)
        statuses = await deliver(self.emu, delivery, url, attempts)
        return {
            "webhook_id": delivery["headers"]["X-Shopify-Webhook-Id"],
            "deliveries": statuses,
        }
