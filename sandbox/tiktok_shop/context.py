"""What an API handler gets: the caller's persona data, parsed parameters and paging helpers."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.tiktok_shop import paging
from sandbox.tiktok_shop.dataset import Dataset
from sandbox.tiktok_shop.envelope import invalid_param


@dataclass(frozen=True)
class Call:
    data: Dataset
    query: dict[str, str]
    body: dict[str, Any]
    now: float
    page_secret: bytes
    index: Dataset | None = None
    """The data as the update-time search index sees them (None: same as ``data``)."""

    def indexed(
        self, current: list[dict[str, Any]], pick: str, id_field: str, bounds: tuple[int, int]
    ) -> list[dict[str, Any]]:
        """The records of ``current`` whose indexed ``update_time`` is within ``bounds``: an
        update-time filter reads the lagging index, the answer carries the current record."""
        if self.index is None:
            return filtered(current, between("update_time", bounds))
        low, high = bounds
        hits = {
            row[id_field] for row in getattr(self.index, pick) if low <= row["update_time"] < high
        }
        return [row for row in current if row[id_field] in hits]

    def int_param(
        self, name: str, *, low: int, high: int, default: int | None = None, required: bool = False
    ) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            if required or default is None:
                raise invalid_param(f"{name} is required.")
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid_param(f"{name} must be an integer.") from None
        if not low <= value <= high:
            raise invalid_param(f"{name} must be between {low} and {high}.")
        return value

    def choice(self, name: str, allowed: Sequence[str], default: str | None) -> str:
        value = self.query.get(name) or default
        if value is None:
            raise invalid_param(f"{name} is required.")
        if value not in allowed:
            raise invalid_param(f"{name} must be one of {', '.join(allowed)}.")
        return value

    def body_int(self, name: str) -> int | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_param(f"{name} must be an integer (unix seconds).")
        return value

    def query_int(self, name: str) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise invalid_param(f"{name} must be an integer (unix seconds).") from None

    def time_range(self, ge: int | None, lt: int | None) -> tuple[int, int]:
        """Reference 4.1: only ``_ge`` given means ``_lt`` = now; only ``_lt`` means no floor."""
        if ge is not None and lt is None:
            lt = int(self.now)
        return (ge if ge is not None else -(2**62), lt if lt is not None else 2**62)

    def page(
        self,
        items: list[dict[str, Any]],
        page_size: int,
        binding: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], str]:
        """The slice for ``page_token`` and the next token ("" on the last page)."""
        token = self.query.get("page_token", "")
        offset = 0
        if token:
            try:
                offset = paging.decode(self.page_secret, binding, token)
            except paging.BadPageToken as exc:
                raise invalid_param(f"page_token is invalid: {exc}.") from None
        chunk = items[offset : offset + page_size]
        end = offset + page_size
        next_token = paging.encode(self.page_secret, binding, end) if end < len(items) else ""
        return chunk, next_token


def filtered(
    items: list[dict[str, Any]], *conditions: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    return [item for item in items if all(cond(item) for cond in conditions)]


def within(
    items: list[dict[str, Any]], field: str, bounds: tuple[int, int]
) -> list[dict[str, Any]]:
    """The items with ``field`` in ``bounds`` (``[low, high)``), for ``items`` sorted by
    ``field`` ascending (every ``Dataset`` list is, and filtering keeps the order): a bisection,
    so a page of a large shop does not scan all its records."""
    low, high = bounds
    start = bisect.bisect_left(items, low, key=lambda item: item[field])
    end = bisect.bisect_left(items, high, lo=start, key=lambda item: item[field])
    return items[start:end]


def between(field: str, bounds: tuple[int, int]) -> Callable[[dict[str, Any]], bool]:
    low, high = bounds
    return lambda item: low <= item[field] < high


def sort_by(
    items: list[dict[str, Any]], field: str, id_field: str, order: str
) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (i[field], i[id_field]), reverse=order == "DESC")
