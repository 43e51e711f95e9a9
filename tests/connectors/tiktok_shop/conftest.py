"""Fixtures for TikTok Shop connector unit tests (helpers live in ``tts_fakes``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from tts_fakes import CONFIG, NOW, FakePlatform, Handler, Harness, token_set

from connectors.core.http import RetryPolicy
from connectors.core.records import TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.tiktok_shop import TikTokShopClient, TikTokShopConfig


@pytest.fixture
async def harness() -> AsyncIterator[Callable[..., Harness]]:
    clients: list[httpx.AsyncClient] = []

    def build(
        api_handler: Handler | None = None,
        *,
        refresh_handler: Handler | None = None,
        tokens: TokenSet | None = None,
        retry: RetryPolicy | None = None,
        config: TikTokShopConfig = CONFIG,
    ) -> Harness:
        fake = FakePlatform(refresh_handler=refresh_handler)
        if api_handler is not None:
            fake.api_handler = api_handler
        http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
        clients.append(http)
        store = MemoryTokenStore(tokens or token_set())
        client = TikTokShopClient(
            config, http, store, retry=retry or RetryPolicy.immediate(3), clock=lambda: NOW
        )
        return Harness(fake, store, client)

    yield build
    for http in clients:
        await http.aclose()
