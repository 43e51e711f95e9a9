"""Tests of connectors.core.tokens: the store seam and serialised refresh."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from connectors.core.errors import NeedsReauth
from connectors.core.records import TokenSet
from connectors.core.tokens import MemoryTokenStore, TokenRefresher, TokenStore

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def tokens(
    n: int, *, refresh: str | None = "rt", expires: timedelta = timedelta(days=7)
) -> TokenSet:
    return TokenSet(
        access_token=f"at{n}",
        access_expires_at=NOW + expires,
        refresh_token=f"{refresh}{n}" if refresh else None,
        refresh_expires_at=NOW + timedelta(days=365),
    )


class CountingRefresh:
    def __init__(self, store: MemoryTokenStore | None = None) -> None:
        self.calls: list[str] = []
        self.saved_before_return: list[bool] = []
        self.store = store

    async def __call__(self, refresh_token: str) -> TokenSet:
        self.calls.append(refresh_token)
        await asyncio.sleep(0.01)  # let other tasks pile up on the lock
        return tokens(len(self.calls) + 1)


class TestMemoryTokenStore:
    async def test_load_save_history(self) -> None:
        store = MemoryTokenStore(tokens(1))
        assert isinstance(store, TokenStore)
        await store.save(tokens(2))
        assert (await store.load()).access_token == "at2"
        assert [t.access_token for t in store.history] == ["at1", "at2"]

    def test_repr_hides_tokens(self) -> None:
        assert "at1" not in repr(tokens(1)) and "rt1" not in repr(tokens(1))


class TestTokenRefresher:
    async def test_current_returns_valid_tokens_without_refresh(self) -> None:
        refresh = CountingRefresh()
        refresher = TokenRefresher(MemoryTokenStore(tokens(1)), refresh, clock=lambda: NOW)
        assert (await refresher.current()).access_token == "at1"
        assert refresh.calls == []

    async def test_current_refreshes_expired_tokens_first(self) -> None:
        store = MemoryTokenStore(tokens(1, expires=timedelta(seconds=30)))
        refresh = CountingRefresh()
        refresher = TokenRefresher(store, refresh, clock=lambda: NOW)
        assert (await refresher.current()).access_token == "at2"
        assert refresh.calls == ["rt1"]

    async def test_concurrent_refresh_happens_once(self) -> None:
        store = MemoryTokenStore(tokens(1))
        refresh = CountingRefresh()
        refresher = TokenRefresher(store, refresh, clock=lambda: NOW)
        stale = await store.load()
        results = await asyncio.gather(*(refresher.refresh_after(stale) for _ in range(10)))
        assert refresh.calls == ["rt1"]
        assert {r.access_token for r in results} == {"at2"}
        assert refresher.refresh_count == 1

    async def test_rotated_tokens_saved_before_they_are_returned(self) -> None:
        store = MemoryTokenStore(tokens(1))
        refresher = TokenRefresher(store, CountingRefresh(), clock=lambda: NOW)
        fresh = await refresher.refresh_after(await store.load())
        assert store.history[-1] is fresh
        assert fresh.refresh_token == "rt2"

    async def test_missing_refresh_token_in_response_keeps_old_one(self) -> None:
        store = MemoryTokenStore(tokens(1))

        async def refresh(rt: str) -> TokenSet:
            return tokens(2, refresh=None)

        fresh = await TokenRefresher(store, refresh, clock=lambda: NOW).refresh_after(tokens(1))
        assert fresh.refresh_token == "rt1"
        assert (await store.load()).refresh_token == "rt1"

    async def test_no_refresh_token_needs_reauth(self) -> None:
        store = MemoryTokenStore(tokens(1, refresh=None))
        with pytest.raises(NeedsReauth):
            await TokenRefresher(store, CountingRefresh(), clock=lambda: NOW).refresh_after(
                await store.load()
            )

    async def test_expired_refresh_token_needs_reauth_without_calling(self) -> None:
        store = MemoryTokenStore(tokens(1))
        refresh = CountingRefresh()
        later = NOW + timedelta(days=400)
        with pytest.raises(NeedsReauth, match="refresh token expired"):
            await TokenRefresher(store, refresh, clock=lambda: later).refresh_after(tokens(1))
        assert refresh.calls == []

    async def test_failed_refresh_saves_nothing(self) -> None:
        store = MemoryTokenStore(tokens(1))

        async def refresh(rt: str) -> TokenSet:
            raise NeedsReauth("revoked")

        with pytest.raises(NeedsReauth):
            await TokenRefresher(store, refresh, clock=lambda: NOW).refresh_after(tokens(1))
        assert len(store.history) == 1

    async def test_a_refresh_cancelled_in_flight_still_saves_the_rotated_tokens(self) -> None:
        # A pull cancels its other streams when one fails. If that lands while the platform is
        # rotating the refresh token, the new one must still be saved: the old one is now dead.
        store = MemoryTokenStore(tokens(1))
        platform_answered = asyncio.Event()
        answer = asyncio.Event()

        async def refresh(rt: str) -> TokenSet:
            await answer.wait()
            platform_answered.set()
            return tokens(2)

        refresher = TokenRefresher(store, refresh, clock=lambda: NOW)
        caller = asyncio.create_task(refresher.refresh_after(tokens(1)))
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.sleep(0)
        assert not caller.done()  # the refresh is in flight: the cancellation waits for it
        answer.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert platform_answered.is_set()
        assert (await store.load()).refresh_token == "rt2"
        assert refresher.refresh_count == 1
        assert not store._lock.locked()
