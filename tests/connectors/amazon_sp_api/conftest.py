"""Fixtures for Amazon connector unit tests (helpers live in ``amazon_fakes``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from amazon_fakes import FakeSpApi, Harness, build


@pytest.fixture
async def harness() -> AsyncIterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(api: FakeSpApi | None = None, **kwargs: Any) -> Harness:
        built = build(api or FakeSpApi(), **kwargs)
        made.append(built)
        return built

    yield make
    for built in made:
        await built.http.aclose()
