"""Shared fixtures for connector tests: where the platform reference lives."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    """The platform reference: ``$CS_REFERENCE_DIR`` or ``<repo>/../shared/reference``."""
    configured = os.environ.get("CS_REFERENCE_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def tiktok_examples() -> Path:
    path = reference_dir() / "tiktok-shop" / "examples"
    assert path.is_dir(), f"reference examples not found at {path}; set CS_REFERENCE_DIR"
    return path


@pytest.fixture(scope="session")
def load_example(tiktok_examples: Path) -> Any:
    def load(name: str) -> Any:
        return json.loads((tiktok_examples / name).read_text(encoding="utf-8"))

    return load
