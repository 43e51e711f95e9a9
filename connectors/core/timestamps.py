"""Unix seconds to aware UTC datetimes and back, and the clock type connectors accept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.core.errors import BadRecord

Clock = Callable[[], datetime]
"""Returns the current aware UTC time; injected so tests control token expiry and signing."""


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def from_unix(seconds: int | str) -> datetime:
    """Aware UTC datetime from unix seconds (an int, or a string of digits as some APIs send).

    Raises ``BadRecord`` on anything else (floats, bools, garbage, out-of-range values).
    """
    if type(seconds) is not int:  # an int (never a bool: its type is bool) goes straight on
        seconds = _unix_int(seconds)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadRecord(f"timestamp out of range: {seconds}") from exc


def _unix_int(seconds: object) -> int:
    """Unix seconds given as other than an ``int``: a string of digits, or a ``BadRecord``."""
    if isinstance(seconds, bool):
        raise BadRecord("timestamp must be unix seconds, not bool")
    if isinstance(seconds, str):
        text = seconds.strip()
        if not text.lstrip("-").isdigit():
            raise BadRecord(f"timestamp is not unix seconds: {text[:20]!r}")
        seconds = int(text)
    if not isinstance(seconds, int):
        raise BadRecord(f"timestamp must be unix seconds, not {type(seconds).__name__}")
    return seconds


def from_iso8601(text: object) -> datetime:
    """Aware UTC datetime from an ISO 8601 string with an offset or ``Z``.

    Raises ``BadRecord`` for anything else, naive times included: a time without an offset
    would have to be guessed.
    """
    if not isinstance(text, str):
        raise BadRecord(f"timestamp must be an ISO 8601 string, not {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadRecord(f"timestamp is not ISO 8601: {text[:40]!r}") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadRecord(f"timestamp has no UTC offset: {text[:40]!r}")
    return moment.astimezone(UTC)


def to_unix(moment: datetime) -> int:
    """Unix seconds of an aware datetime (fractions truncated toward the past)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: connectors only accept timezone-aware datetimes")
    return int(moment.timestamp() // 1)


def time_field(raw: Mapping[str, Any], key: str, parse: Callable[[Any], datetime]) -> datetime:
    """``parse(raw[key])`` (``from_unix`` or ``from_iso8601``), with a ``BadRecord`` that names
    the field when it is missing or malformed, so a quarantine says which field broke."""
    value = raw.get(key)
    if value is None or value == "":
        raise BadRecord(f"missing field {key!r}")
    try:
        return parse(value)
    except BadRecord as exc:
        raise BadRecord(f"{key}: {exc.message}") from exc
