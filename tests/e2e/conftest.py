"""Fixtures of the end-to-end tests: a running service on each database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.config import SandboxSettings
from tests.harness import Harness, running_service

ANCHOR = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def harness(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_service(database_url, tmp_path) as running:
        yield running


@pytest.fixture
async def pinned(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The sandbox's data pinned to ANCHOR and the service's clock to NOW: same data, same
    windows, same scores, every day."""
    async with running_service(
        database_url,
        tmp_path,
        clock=lambda: NOW,
        sandbox=SandboxSettings(enabled=False, anchor=ANCHOR),
    ) as running:
        yield running
