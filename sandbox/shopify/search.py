"""Order filters shared by REST and GraphQL, and the GraphQL search syntax subset the sandbox
understands (reference 3): ``created_at``, ``updated_at``, ``processed_at`` with ``>= > <= <
=``, ``test``, ``financial_status``, ``status`` and ``id``, terms joined by spaces or ``AND``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sandbox.shopify.data import Order

TIME_FIELDS: dict[str, Callable[[Order], int]] = {
    "created_at": lambda o: o.created_at,
    "updated_at": lambda o: o.updated_at,
    "processed_at": lambda o: o.created_at,
}
STATUSES = ("open", "closed", "cancelled", "any")


def order_status_matches(order: Order, status: str) -> bool:
    if status == "any":
        return True
    if status == "cancelled":
        return order.cancelled_at is not None
    if status == "closed":
        return order.closed_at is not None
    return order.closed_at is None and order.cancelled_at is None


class SearchError(ValueError):
    pass


def parse_time(raw: str) -> float:
    """ISO 8601 with ``Z`` or an offset, or a plain date (UTC midnight)."""
    value = raw.strip().strip("'\"")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC).timestamp()
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SearchError(f"invalid time: {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


@dataclass
class OrderFilter:
    """Conditions an order must meet; time bounds are ``(field, op, unix seconds)``."""

    times: list[tuple[str, str, float]] = field(default_factory=list)
    test: bool | None = None
    financial_status: str | None = None
    status: str = "any"
    ids: set[int] | None = None
    since_id: int | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    index: Mapping[int, Order] | None = None
    """The orders as the search index sees them: ``updated_at`` bounds are checked there
    (it lags behind, sandbox.asof); None: against the order itself."""

    def matches(self, order: Order) -> bool:
        for name, op, bound in self.times:
            seen: Order | None = order
            if name == "updated_at" and self.index is not None:
                seen = self.index.get(order.id)
            if seen is None:
                return False
            value = TIME_FIELDS[name](seen)
            if not _compare(value, op, bound):
                return False
        if self.test is not None and order.test != self.test:
            return False
        wanted = self.financial_status
        if wanted not in (None, "any") and order.financial_status != wanted:
            return False
        if self.ids is not None and order.id not in self.ids:
            return False
        if self.since_id is not None and order.id <= self.since_id:
            return False
        return order_status_matches(order, self.status)


def _compare(value: float, op: str, bound: float) -> bool:
    if op == ">=":
        return value >= bound
    if op == ">":
        return value > bound
    if op == "<=":
        return value <= bound
    if op == "<":
        return value < bound
    return int(value) == int(bound)


TERM = re.compile(r"""(-?)(\w+):(>=|<=|>|<|)('[^']*'|"[^"]*"|\S+)""")


def parse_search(query: str | None) -> OrderFilter:
    """Parse the ``query`` argument of ``orders``; unknown fields are ignored with a warning
    (as Shopify does), a malformed time is a SearchError."""
    result = OrderFilter()
    if not query:
        return result
    tokens = re.findall(r"""\S+:(?:>=|<=|>|<)?(?:'[^']*'|"[^"]*"|\S+)|\S+""", query)
    for token in tokens:
        if token.upper() == "AND":
            continue
        match = TERM.fullmatch(token)
        if match is None:
            result.warnings.append({"field": token, "message": "Unsupported search term"})
            continue
        negate, name, op, raw = match.groups()
        value = raw.strip("'\"")
        if negate:
            result.warnings.append({"field": name, "message": "Negation is not supported"})
        elif name in TIME_FIELDS:
            result.times.append((name, op or "=", parse_time(value)))
        elif name == "test" and value.lower() in ("true", "false"):
            result.test = value.lower() == "true"
        elif name == "financial_status":
            result.financial_status = value.lower()
        elif name == "status" and value.lower() in STATUSES:
            result.status = value.lower()
        elif name == "id" and value.isdigit():
            result.ids = {int(value)}
        else:
            result.warnings.append(
                {"field": name, "message": "Invalid search field for this query."}
            )
    return result
