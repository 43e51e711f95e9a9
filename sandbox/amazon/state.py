"""Mutable Amazon sandbox state: authorization codes, LWA tokens and rate-limit buckets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass
class AuthCode:
    persona_id: str
    redirect_uri: str
    expires: float
    used: bool = False


@dataclass
class AccessToken:
    persona_id: str
    expires: float
    revoked: bool = False


@dataclass
class Bucket:
    """A token bucket: ``tokens`` available at ``stamp`` (clock seconds)."""

    tokens: float
    stamp: float


@dataclass
class AmazonState:
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> persona id
    revoked_refresh: set[str] = field(default_factory=set)
    buckets: dict[tuple[str, str, str], Bucket] = field(default_factory=dict)

    def new_code(self, code: AuthCode) -> str:
        value = "ANsbx" + secrets.token_urlsafe(18)
        self.codes[value] = code
        return value

    def new_refresh(self, persona_id: str) -> str:
        value = "Atzr|" + secrets.token_urlsafe(48)
        self.refresh[value] = persona_id
        return value

    def new_access(self, persona_id: str, expires: float) -> str:
        value = "Atza|" + secrets.token_urlsafe(48)
        self.access[value] = AccessToken(persona_id, expires)
        return value

    def expire_tokens(self, persona_id: str, now: float) -> int:
        count = 0
        for token in self.access.values():
            if token.persona_id == persona_id and token.expires > now:
                token.expires, count = now - 1, count + 1
        return count

    def revoke(self, persona_id: str) -> int:
        """The seller removes the app: every refresh and access token of theirs stops working."""
        gone = [t for t, p in self.refresh.items() if p == persona_id]
        self.revoked_refresh.update(gone)
        for token in self.access.values():
            if token.persona_id == persona_id:
                token.revoked = True
        return len(gone)

    def take(self, key: tuple[str, str, str], rate: float, burst: int, now: float) -> bool:
        """Take a token from ``key``'s bucket (refilled at ``rate`` per second); False if empty."""
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True
