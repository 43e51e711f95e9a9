"""Mutable server-side state of the TikTok Shop emulator: auth codes, tokens, rate windows."""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field

# Scope keys (protocol table). Which scope guards which endpoint is our inference: the reference
# gives no mapping (LOW).
SELLER_SCOPES = (
    "seller.authorization.info",
    "seller.shop.info",
    "seller.order.info",
    "seller.finance.info",
    "seller.affiliate_collaboration.read",
    "seller.return_refund.basic",
)
CREATOR_SCOPES = ("creator.affiliate_collaboration.read",)


@dataclass
class AuthCode:
    app_key: str
    persona_id: str
    scopes: tuple[str, ...]
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    """One authorization of a persona by the app; tokens point at it so revoke hits them all."""

    app_key: str
    persona_id: str
    scopes: tuple[str, ...]
    refresh_token: str
    refresh_expires_at: int
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: int


@dataclass
class TikTokState:
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    rate_windows: dict[tuple[str, str, str], deque[float]] = field(default_factory=dict)

    def new_code(
        self, app_key: str, persona_id: str, scopes: tuple[str, ...], expires_at: float
    ) -> str:
        code = secrets.token_urlsafe(32)
        self.auth_codes[code] = AuthCode(app_key, persona_id, scopes, expires_at)
        return code

    def issue_access_token(self, grant: Grant, expires_at: int) -> str:
        token = "TTP_" + secrets.token_urlsafe(48)
        self.access_tokens[token] = AccessToken(grant, expires_at)
        return token

    def new_grant(
        self, app_key: str, persona_id: str, scopes: tuple[str, ...], refresh_expires_at: int
    ) -> Grant:
        grant = Grant(
            app_key, persona_id, scopes, "TTP_" + secrets.token_urlsafe(40), refresh_expires_at
        )
        self.refresh_tokens[grant.refresh_token] = grant
        return grant

    def rotate(self, grant: Grant) -> None:
        """Give the grant a new refresh token; the old one stops working."""
        self.refresh_tokens.pop(grant.refresh_token, None)
        grant.refresh_token = "TTP_" + secrets.token_urlsafe(40)
        self.refresh_tokens[grant.refresh_token] = grant

    def expire_tokens(self, persona_id: str, now: float) -> int:
        count = 0
        for token in self.access_tokens.values():
            if token.grant.persona_id == persona_id and token.expires_at > now:
                token.expires_at = int(now) - 1
                count += 1
        return count

    def revoke(self, persona_id: str) -> int:
        grants = {id(t.grant): t.grant for t in self.access_tokens.values()}
        grants.update({id(g): g for g in self.refresh_tokens.values()})
        count = 0
        for grant in grants.values():
            if grant.persona_id == persona_id and not grant.revoked:
                grant.revoked = True
                count += 1
        return count

    def hit(self, key: tuple[str, str, str], now: float, limit: int) -> bool:
        """Record a request; False if it is over ``limit`` within the last second."""
        window = self.rate_windows.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True
