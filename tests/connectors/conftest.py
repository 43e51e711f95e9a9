"""Shared fixtures for connector tests: where the platform reference lives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reference import reference_dir


@pytest.fixture(scope="session")
def tiktok_examples() -> Path:
    return reference_dir("tiktok-shop", "examples")


@pytest.fixture(scope="session")
def load_example(tiktok_examples: Path) -> Any:
    def load(name: str) -> Any:
        return json.loads((tiktok_examples / name).read_text(encoding="utf-8"))

    return load
