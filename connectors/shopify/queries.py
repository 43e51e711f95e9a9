"""The GraphQL documents the connector sends (the exact shapes agreed with the sandbox) and the
order search filter.

Nothing personal is ever requested: of the customer only ``id``. The order search uses the
reference's syntax (``created_at:>='…' AND created_at:<'…'``, UTC, second precision): ``>=``
start and ``<`` end make windows half-open, so adjacent windows never share an order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

WindowField = Literal["created_at", "updated_at"]

_MONEY = "{ shopMoney { amount currencyCode } }"

ORDER_FIELDS = (
    "id name createdAt updatedAt processedAt cancelledAt cancelReason test "
    "displayFinancialStatus displayFulfillmentStatus currencyCode "
    f"totalPriceSet {_MONEY} subtotalPriceSet {_MONEY} totalTaxSet {_MONEY} "
    f"totalShippingPriceSet {_MONEY} totalRefundedSet {_MONEY} "
    f"refunds {{ id createdAt totalRefundedSet {_MONEY} }} "
    "customer { id }"
)

_SORT_KEYS: dict[WindowField, str] = {"created_at": "CREATED_AT", "updated_at": "UPDATED_AT"}

SHOP_QUERY = (
    "query Shop { shop { id name createdAt currencyCode "
    "plan { displayName partnerDevelopment shopifyPlus } } }"
)

PRODUCTS_COUNT_QUERY = "query ProductsCount { productsCount { count } }"


def orders_query(field: WindowField) -> str:
    """The orders page document, sorted by the window's field so paging is stable."""
    return (
        "query Orders($first: Int!, $after: String, $query: String!) { "
        f"orders(first: $first, after: $after, query: $query, sortKey: {_SORT_KEYS[field]}) {{ "
        f"edges {{ cursor node {{ {ORDER_FIELDS} }} }} "
        "pageInfo { hasNextPage endCursor } } }"
    )


def window_filter(field: WindowField, start: datetime, end: datetime) -> str:
    """``created_at:>='2026-01-01T00:00:00Z' AND created_at:<'2026-04-01T00:00:00Z'``."""
    return f"{field}:>='{_utc(start)}' AND {field}:<'{_utc(end)}'"


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: windows are timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
