"""The token seam: connectors load tokens through a ``TokenStore``; refresh is serialised.

The app implements ``TokenStore`` over its connections table (encrypted); tests use
``MemoryTokenStore``. ``TokenRefresher`` guarantees that concurrent requests which all see an
expired access token cause exactly one refresh, within one client and across clients, workers and
processes sharing a store: the refresh runs inside the store's ``exclusive()`` section (the app
takes a row lock on PostgreSQL, the write lock on SQLite), the tokens are re-read after the lock
is taken (another job may already have refreshed), and the new tokens are saved inside the same
section, before anyone uses them, so a rotated refresh token is never lost or used twice.

With ``reuse`` a refresher hands out the tokens it last read or refreshed for that long before
reading the store again (a pull of many pages side by side would otherwise read the database for
every request). That is safe where the platform keeps an access token valid until it expires
after a refresh: a token another process replaced meanwhile is still accepted, and one the
platform calls expired goes through ``refresh_after``, which re-reads the store under its lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from connectors.core.cancellation import finished_even_if_cancelled
from connectors.core.errors import NeedsReauth
from connectors.core.records import TokenSet
from connectors.core.timestamps import Clock, utc_now


class HeldTokens(Protocol):
    """The tokens as read under the store's exclusive lock, and the way to replace them."""

    @property
    def tokens(self) -> TokenSet: ...

    async def save(self, tokens: TokenSet) -> None:
        """Persist ``tokens``; durable once the exclusive section ends without an error."""


@runtime_checkable
class TokenStore(Protocol):
    """Where one connection's tokens live."""

    async def load(self) -> TokenSet: ...

    def exclusive(self) -> AbstractAsyncContextManager[HeldTokens]:
        """A section no other holder of the same tokens runs at the same time (any process)."""
        ...


@dataclasses.dataclass
class _MemoryHeld:
    store: MemoryTokenStore

    @property
    def tokens(self) -> TokenSet:
        return self.store.current

    async def save(self, tokens: TokenSet) -> None:
        self.store.current = tokens
        self.store.history.append(tokens)


class MemoryTokenStore:
    """A ``TokenStore`` in memory; keeps every saved generation in ``history`` for tests."""

    def __init__(self, tokens: TokenSet) -> None:
        self.current = tokens
        self.history: list[TokenSet] = [tokens]
        self._lock = asyncio.Lock()

    async def load(self) -> TokenSet:
        return self.current

    async def save(self, tokens: TokenSet) -> None:
        async with self.exclusive() as held:
            await held.save(tokens)

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[HeldTokens]:
        async with self._lock:
            yield _MemoryHeld(self)


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
        reuse: timedelta = timedelta(0),
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._clock = clock
        self._skew = skew
        self._platform = platform
        self._reuse = reuse
        self._lock = asyncio.Lock()
        self._load_lock = asyncio.Lock()
        self._known: tuple[TokenSet, datetime] | None = None
        self.refresh_count = 0

    async def current(self) -> TokenSet:
        """The stored tokens, refreshed first if the access token is (about to be) expired."""
        tokens = await self._load()
        if tokens.access_expires_at - self._skew <= self._clock():
            return await self.refresh_after(tokens)
        return tokens

    async def _load(self) -> TokenSet:
        if self._reuse <= timedelta(0):
            return await self._store.load()
        async with self._load_lock:  # tasks starting together read the store once
            now = self._clock()
            if self._known is not None and now - self._known[1] < self._reuse:
                return self._known[0]
            tokens = await self._store.load()
            self._known = (tokens, now)
            return tokens

    async def refresh_after(self, stale: TokenSet) -> TokenSet:
        """Replace ``stale`` (rejected or expired) with fresh tokens, refreshing only if needed.

        Once called, the section runs to its end even if the caller is cancelled (a pull cancels
        its other streams when one fails), waiting for the locks included: the platform may
        already have rotated the refresh token, and only saving the new one keeps the connection
        alive; the store's section (a database transaction) is also ended cleanly rather than
        abandoned. The cancellation is delivered after, delayed by at most the lock waits and the
        refresh call's timeout.
        """
        return await finished_even_if_cancelled(self._refresh_section(stale))

    async def _refresh_section(self, stale: TokenSet) -> TokenSet:
        # The asyncio lock keeps this client's own tasks off the store's lock; the store's
        # exclusive section serialises every other client, worker and process.
        async with self._lock, self._store.exclusive() as held:
            latest = held.tokens
            if latest.access_token != stale.access_token:
                self._remember(latest)
                return latest  # another task or job refreshed while we waited for the lock
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
            await held.save(fresh)
            self.refresh_count += 1
        self._remember(fresh)
        return fresh

    def _remember(self, tokens: TokenSet) -> None:
        if self._reuse > timedelta(0):
            self._known = (tokens, self._clock())
