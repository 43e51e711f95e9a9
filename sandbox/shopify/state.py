"""Mutable server-side state of the Shopify emulator: codes, grants, tokens and rate buckets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

# Write scopes imply read (reference 1.3). The sandbox knows the scopes the connector may ask for.
KNOWN_SCOPES = (
    "read_orders",
    "write_orders",
    "read_all_orders",
    "read_products",
    "write_products",
    "read_customers",
    "write_customers",
)
CUSTOM_APP_SCOPES = ("read_orders", "read_all_orders", "read_products")
CUSTOM_APP = "custom-app"


def has_scope(scopes: tuple[str, ...], needed: str) -> bool:
    return needed in scopes or needed.replace("read_", "write_", 1) in scopes


@dataclass
class AuthCode:
    shop: str
    persona_id: str
    scopes: tuple[str, ...]
    expires_at: float
    online: bool
    expiring_default: bool
    used: bool = False


@dataclass
class Grant:
    """One installation of an app on a shop; every token of it dies when it is revoked."""

    app: str  # the public app's client_id, or CUSTOM_APP
    shop: str
    persona_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float | None  # None: a non-expiring offline (or custom app) token
    refresh: RefreshToken | None = None  # the refresh token issued with it
    online: bool = False


@dataclass
class RefreshToken:
    grant: Grant
    expires_at: float
    used_at: float | None = None  # when it was exchanged (it has been rotated out)
    replacement: RefreshToken | None = None
    replacement_used: bool = False  # the app used the pair that replaced this token


@dataclass
class Bucket:
    """A leaky bucket on the sandbox clock: ``level`` drains at ``rate`` per second."""

    capacity: float
    rate: float
    level: float = 0.0
    at: float = 0.0

    def drain(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.at) * self.rate)
        self.at = now


@dataclass
class ShopifyState:
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    rest_buckets: dict[tuple[str, str], Bucket] = field(default_factory=dict)
    graphql_buckets: dict[tuple[str, str], Bucket] = field(default_factory=dict)
    custom_grants: dict[str, Grant] = field(default_factory=dict)

    def new_code(self, code: AuthCode) -> str:
        value = secrets.token_hex(16)
        self.codes[value] = code
        return value

    def issue_access_token(
        self,
        grant: Grant,
        expires_at: float | None,
        refresh: RefreshToken | None = None,
        *,
        online: bool = False,
    ) -> str:
        token = "shpat_" + secrets.token_hex(16)
        self.access_tokens[token] = AccessToken(grant, expires_at, refresh, online)
        return token

    def issue_refresh_token(self, grant: Grant, expires_at: float) -> tuple[str, RefreshToken]:
        value = "shprt_" + secrets.token_hex(24)
        refresh = RefreshToken(grant, expires_at)
        self.refresh_tokens[value] = refresh
        return value, refresh

    def grants_of(self, persona_id: str) -> list[Grant]:
        grants = {id(t.grant): t.grant for t in self.access_tokens.values()}
        grants.update({id(r.grant): r.grant for r in self.refresh_tokens.values()})
        return [g for g in grants.values() if g.persona_id == persona_id]

    def expire_tokens(self, persona_id: str, now: float) -> int:
        """Expire the persona's expiring access tokens (non-expiring ones cannot expire)."""
        count = 0
        for token in self.access_tokens.values():
            live = token.expires_at is not None and token.expires_at > now
            if token.grant.persona_id == persona_id and live:
                token.expires_at = now - 1
                count += 1
        return count

    def custom_grant(self, shop: str, persona_id: str) -> Grant:
        grant = self.custom_grants.get(persona_id)
        if grant is None:
            grant = Grant(CUSTOM_APP, shop, persona_id, CUSTOM_APP_SCOPES)
            self.custom_grants[persona_id] = grant
        return grant

    def revoke(self, persona_id: str, shop: str, which: str = "all") -> int:
        """Uninstall from the persona's shop: ``public`` (the OAuth app), ``custom`` (the
        merchant's custom app token) or ``all``; every token of a revoked grant stops working."""
        grants = self.grants_of(persona_id)
        if which in ("custom", "all"):
            grants.append(self.custom_grant(shop, persona_id))
        count = 0
        for grant in grants:
            wanted = which == "all" or (which == "custom") == (grant.app == CUSTOM_APP)
            if wanted and not grant.revoked:
                grant.revoked = True
                count += 1
        return count
