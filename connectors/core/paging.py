"""Cursor paging for APIs that return the next page token in the response body.

Paging ends when the token is empty or absent. A token that comes back from the very page it
fetched is a stutter: a cache or load balancer served the previous page again, which platforms
do now and then, so the token is followed again, at most ``max_repeats`` times in a row (the
records seen twice are harmless: the app upserts by platform id). Any other token seen before
within one window means the server is cycling: we raise ``Fatal``, because resuming from the
last checkpoint would replay the same cycle; the sync must stop and be looked at rather than
spin. A page that keeps coming back past ``max_repeats`` is treated as a cycle too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.core.errors import Fatal


def dig(body: Any, path: tuple[str, ...]) -> Any:
    """``body[path[0]][path[1]]...``, or ``None`` as soon as a level is missing or not a mapping."""
    node = body
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


@dataclass(frozen=True, slots=True)
class NextPageToken:
    """Declares where the token goes in a request (a query parameter) and where it comes back."""

    param: str = "page_token"
    response_path: tuple[str, ...] = ("data", "next_page_token")
    has_more_path: tuple[str, ...] | None = None
    """Where a boolean "more pages" flag is, for APIs (GraphQL ``pageInfo.hasNextPage``) that
    return a cursor on the last page too: when set, a false or missing flag ends the window."""
    max_repeats: int = 2
    """How many times in a row a page may hand back the token that fetched it."""

    def cursor(self, first_token: str | None = None) -> PageCursor:
        """A fresh cursor for one window, optionally resuming at ``first_token``."""
        return PageCursor(self, first_token)


@dataclass(slots=True)
class PageCursor:
    """The paging state of one window: the token to send next and every token seen."""

    paginator: NextPageToken
    token: str | None = None
    seen: set[str] = field(default_factory=set)
    repeats: int = 0
    """Stutters in a row on the current token."""

    def __post_init__(self) -> None:
        if self.token:
            self.seen.add(self.token)

    def advance(self, body: Any, *, stream: str) -> str | None:
        """Read the next token from ``body``; ``None`` means the window is complete."""
        more_path = self.paginator.has_more_path
        if more_path is not None and dig(body, more_path) is not True:
            self.token = None
            return None
        raw = dig(body, self.paginator.response_path)
        if raw is None or raw == "":
            self.token = None
            return None
        if not isinstance(raw, str):
            raise Fatal(f"{stream}: next page token is a {type(raw).__name__}, not a string")
        if raw == self.token and self.repeats < self.paginator.max_repeats:
            self.repeats += 1
            return raw
        if raw in self.seen:
            raise Fatal(f"{stream}: the platform returned a page token twice (paging loop)")
        self.seen.add(raw)
        self.token = raw
        self.repeats = 0
        return raw
