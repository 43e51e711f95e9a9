"""Declarative streams and the executor that runs them.

A stream declares what to ask for (method, path, where the records are, how pages advance,
how a raw record maps to a canonical one, how a time window becomes request parameters).
``run_stream`` executes it against a ``Fetch`` function supplied by the provider client, which
owns signing, auth, retries and error mapping. The executor yields records, a ``Checkpoint``
after every page and ``Quarantined`` for records that fail to map.

Checkpoint state (JSON-serialisable, opaque to the app)::

    {"window": {"start": <unix>, "end": <unix>}, "page_token": "<next token>" | None, "page": n}

Resuming with a state for the same window continues at its page token. A state for another
window, or a finished one, is ignored and the requested window starts from its first page:
re-reading is harmless because the app upserts by platform id, while sending a page token
with a different query would be wrong.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from connectors.core.errors import BadRecord, Fatal
from connectors.core.paging import NextPageToken, dig
from connectors.core.records import Checkpoint, Quarantined, Record, StreamItem
from connectors.core.timestamps import to_unix

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time window ``[start, end)`` of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        to_unix(self.start)  # rejects naive datetimes early
        if to_unix(self.end) < to_unix(self.start):
            raise ValueError("window end is before its start")

    def as_state(self) -> dict[str, int]:
        return {"start": to_unix(self.start), "end": to_unix(self.end)}


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One page request, before the provider adds credentials, signature and retries."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: JSON | None = None


Fetch = Callable[[RequestSpec], Awaitable[JSON]]
"""Sends a request and returns the decoded response body, raising connector errors."""


class Stream(ABC):
    """A declared stream. Subclasses set the class attributes and implement two methods."""

    name: ClassVar[str]
    method: ClassVar[str]
    path: ClassVar[str]
    records_path: ClassVar[tuple[str, ...]]
    primary_key: ClassVar[str] = "id"
    paginator: ClassVar[NextPageToken] = NextPageToken()

    @abstractmethod
    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        """The request for one page of ``window``."""

    @abstractmethod
    def to_record(self, raw: Mapping[str, Any]) -> Record:
        """Map one raw record; raise ``BadRecord`` (with a reason free of PII) if it can't be."""

    def to_records(self, raw: Mapping[str, Any]) -> Sequence[Record]:
        """All records one raw item yields: none (filtered out), one, or several (an order and
        its refunds). Computed whole before anything is yielded, so a raw item that fails to map
        is quarantined entirely rather than half-yielded."""
        return (self.to_record(raw),)

    def raw_id(self, raw: Any) -> str | None:
        """The record's platform id, for quarantine reports."""
        if isinstance(raw, Mapping):
            value = raw.get(self.primary_key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
        return None


def resume_token(window: Window, state: Mapping[str, Any] | None) -> tuple[str | None, int]:
    """The page token and page number to resume ``window`` at, given a stored state."""
    if not state or state.get("done") or state.get("window") != window.as_state():
        return None, 0
    token = state.get("page_token")
    page = state.get("page", 0)
    if not isinstance(token, str) or not token:
        return None, 0
    return token, page if isinstance(page, int) else 0


async def run_stream(
    stream: Stream,
    fetch: Fetch,
    window: Window,
    state: Mapping[str, Any] | None = None,
) -> AsyncGenerator[StreamItem, None]:
    """Page through ``window`` yielding records, quarantines and one checkpoint per page."""
    token, page = resume_token(window, state)
    cursor = stream.paginator.cursor(token)
    while True:
        body = await fetch(stream.request(window, cursor.token))
        for raw in _records(body, stream):
            try:
                mapped = stream.to_records(raw)
            except BadRecord as exc:
                yield Quarantined(stream.name, exc.message, stream.raw_id(raw))
                continue
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
                # str(exc) may quote raw values (PII); name only the type and, for KeyError, the key
                yield Quarantined(stream.name, _safe_reason(exc), stream.raw_id(raw))
                continue
            for record in mapped:
                yield record
        next_token = cursor.advance(body, stream=stream.name)
        page += 1
        state_out = {"window": window.as_state(), "page_token": next_token, "page": page}
        yield Checkpoint(stream.name, state_out, done=next_token is None)
        if next_token is None:
            return


def _records(body: JSON, stream: Stream) -> list[Any]:
    found = dig(body, stream.records_path)
    if found is None:
        return []
    if not isinstance(found, list):
        raise Fatal(f"{stream.name}: {'.'.join(stream.records_path)} is not a list")
    return found


def _safe_reason(exc: Exception) -> str:
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        return f"missing field {exc.args[0][:60]!r}"
    return f"unexpected record shape ({type(exc).__name__})"
