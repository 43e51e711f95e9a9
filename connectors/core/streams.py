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

``run_sliced`` reads a long window faster when each page takes long (platform latency) and
the rate budget allows more requests than one cursor can make: it splits the window into
slices of create time and pages every slice's cursor side by side. Pages come out whole, one
after the other; the pages ready at the same time are followed by one checkpoint of every
slice::

    {"window": {...}, "page": <pages of all slices>,
     "slices": [<slice state> | {..., "done": true} | None, ...]}

A slice's entry only moves once its page has been yielded, so a consumer that commits the
records before a checkpoint with it never stores a cursor past records it has not committed;
resuming continues every unfinished slice at its own page token.
"""

from __future__ import annotations

import asyncio
import itertools
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from connectors.core.errors import BadRecord, Fatal
from connectors.core.paging import NextPageToken, dig
from connectors.core.records import Checkpoint, Quarantined, Record, StreamItem
from connectors.core.timestamps import from_unix, to_unix

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


def split(window: Window, slices: int) -> list[Window]:
    """``window`` cut into at most ``slices`` consecutive windows of (nearly) equal length,
    inner boundaries on whole seconds (requests carry unix seconds)."""
    if slices < 1:
        raise ValueError("slices must be at least 1")
    start, end = to_unix(window.start), to_unix(window.end)
    inner = sorted({start + (end - start) * i // slices for i in range(1, slices)} - {start, end})
    edges = [window.start, *(from_unix(second) for second in inner), window.end]
    return [Window(a, b) for a, b in itertools.pairwise(edges)]


def run_sliced(
    stream: Stream,
    fetch: Fetch,
    window: Window,
    state: Mapping[str, Any] | None = None,
    *,
    slices: int = 1,
) -> AsyncGenerator[StreamItem, None]:
    """Like ``run_stream``, paging ``slices`` parts of ``window`` side by side (one part: plain
    ``run_stream`` with its state format)."""
    parts = split(window, slices)
    if len(parts) == 1:
        return run_stream(stream, fetch, window, state)
    return _run_parts(stream, fetch, window, parts, state)


_DONE = object()


async def _run_parts(
    stream: Stream,
    fetch: Fetch,
    window: Window,
    parts: list[Window],
    state: Mapping[str, Any] | None,
) -> AsyncGenerator[StreamItem, None]:
    entries = _slice_entries(window, parts, state)
    pending = [i for i, entry in enumerate(entries) if not (entry and entry.get("done"))]
    # one page waiting per slice at most (plus the one each is fetching): memory is bounded
    # by the number of slices, not by the size of the shop
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, len(pending)))

    async def pump(index: int) -> None:
        try:
            page: list[StreamItem] = []
            async for item in run_stream(stream, fetch, parts[index], entries[index]):
                if isinstance(item, Checkpoint):
                    await queue.put((index, page, item))
                    page = []
                else:
                    page.append(item)
            await queue.put(_DONE)
        except Exception as exc:  # handed to the consumer, which raises it as its own
            await queue.put(exc)

    tasks = [asyncio.create_task(pump(index)) for index in pending]
    try:
        running = len(tasks)
        while running:
            # every page ready by now goes out before one checkpoint: while the consumer
            # commits a checkpoint the readers fill the queue, and the next commit takes all
            # of it (fewer, larger transactions when the database is the slower side)
            ready = [await queue.get()]
            while not queue.empty():
                ready.append(queue.get_nowait())
            pages = 0
            for message in ready:
                if message is _DONE:
                    running -= 1
                    continue
                if isinstance(message, Exception):
                    raise message
                index, page, checkpoint = message
                for item in page:
                    yield item
                entry = dict(checkpoint.state)
                if checkpoint.done:
                    entry["done"] = True
                entries[index] = entry
                pages += 1
            if pages:
                finished = all(e is not None and e.get("done") for e in entries)
                # "page" counts the pages of all slices read so far
                read = sum(e.get("page", 0) for e in entries if e is not None)
                combined = {"window": window.as_state(), "page": read, "slices": list(entries)}
                yield Checkpoint(stream.name, combined, done=finished)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _slice_entries(
    window: Window, parts: list[Window], state: Mapping[str, Any] | None
) -> list[dict[str, Any] | None]:
    """Each slice's stored state when ``state`` is a sliced state of this very split, else
    nothing (every slice starts at its first page)."""
    fresh: list[dict[str, Any] | None] = [None] * len(parts)
    if not state or state.get("window") != window.as_state():
        return fresh
    stored = state.get("slices")
    if not isinstance(stored, list) or len(stored) != len(parts):
        return fresh
    entries: list[dict[str, Any] | None] = []
    for part, entry in zip(parts, stored, strict=True):
        ok = isinstance(entry, Mapping) and entry.get("window") == part.as_state()
        entries.append(dict(entry) if ok else None)
    return entries


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
