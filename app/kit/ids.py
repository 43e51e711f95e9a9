"""Ids taken from a request's path: refused up front when no stored id could look like them.

Every id the service issues is at most 64 characters without control characters (UUIDs, key
prefixes). PostgreSQL refuses a NUL in text outright, so an id carrying one would fail its query
with a database error (a 500) rather than "not found"; a path can carry one (``%00``).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Path

__all__ = ["ID_MAX_LENGTH", "ID_PATTERN", "id_path", "is_id"]

ID_MAX_LENGTH = 64
_NO_CONTROL = r"[^\x00-\x1f\x7f]+"
ID_PATTERN = f"^{_NO_CONTROL}$"  # for the path check's regex, where `$` is the end of the text
# fullmatch, not `$`: Python's `$` also matches before a final newline.
_ID = re.compile(_NO_CONTROL)


def id_path(description: str | None = None) -> Any:
    """A path parameter holding an id: anything else is refused with 422."""
    return Path(max_length=ID_MAX_LENGTH, pattern=ID_PATTERN, description=description)


def is_id(value: str) -> bool:
    """Whether ``value`` could be an id (for pages, which answer with their own notice)."""
    return len(value) <= ID_MAX_LENGTH and _ID.fullmatch(value) is not None
