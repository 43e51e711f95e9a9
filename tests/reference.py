"""Where the platform reference lives for tests: ``$CS_REFERENCE_DIR``, else the
``shared/reference`` folder beside the repository (as CI lays it out)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def reference_dir(*parts: str) -> Path:
    """The reference folder (or a folder inside it); fails the test with the fix if it is absent."""
    configured = os.environ.get("CS_REFERENCE_DIR")
    root = Path(configured) if configured else REPO_ROOT.parent / "shared" / "reference"
    path = root.joinpath(*parts)
    assert path.is_dir(), f"platform reference not found at {path}; set CS_REFERENCE_DIR"
    return path
