"""Fixtures of the sandbox tests (helpers live in ``tts_client``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tts_client import ANCHOR_TS, Clock, Tts, client_for, make_config


@pytest.fixture
def clock() -> Clock:
    return Clock(ANCHOR_TS + 3600.0)


@pytest.fixture
async def tts(clock: Clock) -> AsyncIterator[Tts]:
    config = make_config(clock)
    async with client_for(config) as client:
        yield Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
