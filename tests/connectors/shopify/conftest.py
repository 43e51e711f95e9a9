"""Fixtures for the Shopify connector unit tests (helpers live in ``shopify_fakes``)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from shopify_fakes import FakeClock, FakeShopify

REPO_ROOT = Path(__file__).resolve().parents[3]


def reference_dir() -> Path:
    """The platform reference: ``$CS_REFERENCE_DIR`` or ``<repo>/../shared/reference``."""
    configured = os.environ.get("CS_REFERENCE_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def shopify_examples() -> Path:
    path = reference_dir() / "shopify" / "examples"
    assert path.is_dir(), f"reference examples not found at {path}; set CS_REFERENCE_DIR"
    return path


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
