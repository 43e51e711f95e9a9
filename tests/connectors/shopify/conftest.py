"""Fixtures for the Shopify connector unit tests (helpers live in ``shopify_fakes``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from shopify_fakes import FakeClock, FakeShopify

from tests.reference import reference_dir


@pytest.fixture(scope="session")
def shopify_examples() -> Path:
    return reference_dir("shopify", "examples")


@pytest.fixture(scope="session")
def load_shopify_example(shopify_examples: Path) -> Callable[[str], Any]:
    def load(name: str) -> Any:
        return json.loads((shopify_examples / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def fake() -> FakeShopify:
    return FakeShopify(FakeClock())


@pytest.fixture
async def http(fake: FakeShopify) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as client:
        yield client


@pytest.fixture
async def no_network() -> AsyncIterator[httpx.AsyncClient]:
    """A client whose transport fails the test if any request reaches it."""

    def refuse(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a request was sent to {request.url.host!r}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        yield client
