"""The token seam: connectors load and save tokens through a ``TokenStore``; refresh is serialised.

The app implements ``TokenStore`` over its connections table (encrypted); tests use
``MemoryTokenStore``. ``TokenRefresher`` guarantees, per client, that concurrent requests which
all see an expired access token cause exactly one refresh: the refresh runs under an asyncio
lock, the store is re-read after taking the lock (another task may already have refreshed), and
the new tokens are saved before anyone uses them, so a rotated refresh token is never lost.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol, runtime_checkable

from connectors.core.errors import NeedsReauth
from connectors.core.records import TokenSet
from connectors.core.timestamps import Clock, utc_now


@runtime_checkable
class TokenStore(Protocol):
    """Where one connection's tokens live."""

    async def load(self) -> TokenSet: ...

    async def save(self, tokens: TokenSet) -> None: ...


class MemoryTokenStore:
    """A ``TokenStore`` in memory; keeps every saved generation in ``history`` for tests."""

    def __init__(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self.history: list[TokenSet] = [tokens]

    async def load(self) -> TokenSet:
        return self._tokens

    async def save(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self.history.append(tokens)


RefreshFn = Callable[[str], Awaitable[TokenSet]]
"""Exchanges a refresh token for a new ``TokenSet`` (the platform's refresh call)."""


class TokenRefresher:
    """Hands out the current access token and refreshes it at most once per expiry."""

    def __init__(
        self,
        store: TokenStore,
        refresh: RefreshFn,
        *,
        clock: Clock = utc_now,
        skew: timedelta = timedelta(seconds=60),
        platform: str = "",
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._clock = clock
        self._skew = skew
        self._platform = platform
        self._lock = asyncio.Lock()
        self.refresh_count = 0

    async def current(self) -> TokenSet:
        """The stored tokens, refreshed first if the access token is (about to be) expired."""
        tokens = await self._store.load()
        if tokens.access_expires_at - self._skew <= self._clock():
            return await self.refresh_after(tokens)
        return tokens

    async def refresh_after(self, stale: TokenSet) -> TokenSet:
        """Replace ``stale`` (rejected or expired) with fresh tokens, refreshing only if needed."""
        async with self._lock:
            latest = await self._store.load()
            if latest.access_token != stale.access_token:
                return latest  # another task refreshed while we waited for the lock
            if not latest.refresh_token:
                raise NeedsReauth(
                    "the access token expired and there is no refresh token",
                    platform=self._platform,
                )
            if latest.refresh_expires_at is not None and latest.refresh_expires_at <= self._clock():
                raise NeedsReauth("the refresh token expired", platform=self._platform)
            fresh = await self._refresh(latest.refresh_token)
            if not fresh.refresh_token:
                # a platform that doesn't rotate may omit it: keep the one we have
                fresh = dataclasses.replace(
                    fresh,
                    refresh_token=latest.refresh_token,
                    refresh_expires_at=latest.refresh_expires_at,
                )
            await self._store.save(fresh)
            self.refresh_count += 1
            return fresh
