"""Page and record faults on a paged list answer: a page repeated, records repeated across
pages, and records with a missing field, a field of the wrong type or a locale-formatted amount.

Each emulator describes its paged lists with a ``PageShape`` (where the records are, the next
page token, a record's id, its time field and its amount). A page is "the next one" when the
request's token is the one the previous page of that list handed out; only then can it be
replaced by the previous page (``page_repeat``, once per token) or get some of the previous
page's records on top (``records_repeat``). Record corruption is decided by
``Faults.record_fault`` from the record id alone, so it is the same on every serving.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.faults import Faults, PageMemory

JSONObject = dict[str, Any]
Path = tuple[str, ...]

# symbols a storefront puts around an amount; the code itself for the others
_SYMBOLS = {"IDR": "Rp", "USD": "$", "GBP": "£", "JPY": "¥", "MYR": "RM", "PHP": "₱", "THB": "฿"}
_ZERO_DECIMAL = frozenset({"IDR", "VND", "JPY", "KRW", "CLP"})


def dig(node: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


@dataclass(frozen=True)
class PageShape:
    """Where one paged list keeps its parts (paths into the body and into a record)."""

    key: str
    records_path: Path
    next_token: Callable[[JSONObject], str | None]
    id_path: Path
    time_field: Path
    amount_path: Path
    currency_path: Path
    node_path: Path = ()
    """Path from a list item to the record itself (GraphQL edges hold it under ``node``)."""

    def records(self, body: JSONObject) -> list[Any] | None:
        found = dig(body, self.records_path)
        return found if isinstance(found, list) else None

    def record_id(self, item: Any) -> str | None:
        value = dig(dig(item, self.node_path) if self.node_path else item, self.id_path)
        return str(value) if isinstance(value, str | int) and value != "" else None


def token_at(path: Path, more_path: Path | None = None) -> Callable[[JSONObject], str | None]:
    """A ``next_token`` reader: the string at ``path``, unless ``more_path`` is not true."""

    def read(body: JSONObject) -> str | None:
        if more_path is not None and dig(body, more_path) is not True:
            return None
        value = dig(body, path)
        return value if isinstance(value, str) and value else None

    return read


def locale_amount(value: Any, currency: Any) -> str:
    """``"9900"`` IDR → ``"Rp9.900"``, ``"1234.5"`` EUR → ``"1.234,50 €"``: dot grouping, comma
    decimals and a currency symbol, as a storefront shows them (never the wire format)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(0)
    code = str(currency or "").upper()
    places = 0 if code in _ZERO_DECIMAL else 2
    text = f"{abs(amount):,.{places}f}".replace(",", "\x00").replace(".", ",")
    text = ("-" if amount < 0 else "") + text.replace("\x00", ".")
    if code == "EUR":
        return f"{text} €"
    return f"{_SYMBOLS.get(code, code + ' ')}{text}"


def _parent(node: JSONObject, path: Path) -> JSONObject | None:
    parent = dig(node, path[:-1]) if len(path) > 1 else node
    return parent if isinstance(parent, dict) and path[-1] in parent else None


def corrupt(item: Any, shape: PageShape, kind: str) -> str | None:
    """Corrupt one list item in place; the kind applied (a record without an amount gets a
    missing field instead of a locale amount), or None when nothing could be changed."""
    node = dig(item, shape.node_path) if shape.node_path else item
    if not isinstance(node, dict):
        return None
    amount_parent = _parent(node, shape.amount_path)
    if kind == "locale_amount" and amount_parent is not None:
        key = shape.amount_path[-1]
        amount_parent[key] = locale_amount(amount_parent[key], dig(node, shape.currency_path))
        return kind
    time_parent = _parent(node, shape.time_field)
    if time_parent is None:
        return None
    key = shape.time_field[-1]
    if kind == "wrong_type":
        time_parent[key] = [time_parent[key]]
        return kind
    del time_parent[key]
    return "missing_field"


def corrupt_page(faults: Faults, platform: str, shape: PageShape, records: list[Any]) -> None:
    for item in records:
        record_id = shape.record_id(item)
        kind = faults.record_fault(platform, record_id) if record_id is not None else None
        if record_id is None or kind is None:
            continue
        applied = corrupt(item, shape, kind)
        if applied is not None:
            faults.note_corrupted(record_id, applied)


def paged(
    faults: Faults | None,
    platform: str,
    shape: PageShape,
    token_in: str | None,
    body: JSONObject,
) -> JSONObject:
    """The body to serve for this page of ``shape``'s list, with page and record faults."""
    if faults is None or shape.records(body) is None:
        return body
    # handlers may answer with the emulator's own objects: corrupt a copy, never the state
    body = copy.deepcopy(body)
    records = shape.records(body)
    assert records is not None
    memory = faults.pages.setdefault(shape.key, PageMemory())
    follows = token_in is not None and token_in == memory.next_token and memory.body is not None
    if (
        follows
        and token_in not in memory.repeated
        and faults.roll(faults.page_repeat_rate, "page_repeat")
    ):
        assert token_in is not None and memory.body is not None
        memory.repeated.add(token_in)
        return copy.deepcopy(memory.body)
    corrupt_page(faults, platform, shape, records)
    own = copy.deepcopy(records)
    if follows and memory.records and faults.roll(faults.records_repeat_rate, "records_repeat"):
        count = 1 + faults.rng.randrange(min(3, len(memory.records)))
        records[:0] = copy.deepcopy(memory.records[-count:])
    memory.next_token = shape.next_token(body)
    memory.body = copy.deepcopy(body)
    memory.records = own
    return body
