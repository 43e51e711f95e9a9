"""The Shopify order streams, declared for the core executor.

One GraphQL ``orders`` connection per window, paged with ``after: endCursor`` while
``pageInfo.hasNextPage`` is true, sorted by the window's field so records arriving meanwhile
land after the cursor. Each edge yields its order and that order's refunds (test orders:
nothing). ``orders`` windows on ``created_at`` (the 90-day pull); ``orders_updated`` on
``updated_at`` (incremental sync). Their checkpoints are kept apart by stream name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from connectors.core.errors import BadRecord
from connectors.core.incremental import Incremental
from connectors.core.paging import NextPageToken
from connectors.core.records import Record
from connectors.core.streams import RequestSpec, Stream, Window
from connectors.shopify import models
from connectors.shopify.queries import WindowField, orders_query, window_filter

SCOPE_ORDERS = "read_orders"
SCOPE_PRODUCTS = "read_products"
GRAPHQL_PATH = "graphql.json"


@dataclass(frozen=True)
class ShopifyOrders(Stream):
    """Orders of ``shop`` (its myshopify domain) created in the window."""

    shop: str
    page_size: int = 100

    name: ClassVar[str] = "orders"
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = GRAPHQL_PATH
    scope: ClassVar[str] = SCOPE_ORDERS
    field: ClassVar[WindowField] = "created_at"
    records_path: ClassVar[tuple[str, ...]] = ("data", "orders", "edges")
    paginator: ClassVar[NextPageToken] = NextPageToken(
        param="after",
        response_path=("data", "orders", "pageInfo", "endCursor"),
        has_more_path=("data", "orders", "pageInfo", "hasNextPage"),
    )

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        variables: dict[str, Any] = {
            "first": self.page_size,
            "after": page_token,
            "query": window_filter(self.field, window.start, window.end),
        }
        body = {"query": orders_query(self.field), "variables": variables}
        return RequestSpec(self.method, self.path, json=body)

    def to_record(self, raw: Mapping[str, Any]) -> Record:
        records = self.to_records(raw)
        if not records:
            raise BadRecord("a test order has no record")
        return records[0]

    def to_records(self, raw: Mapping[str, Any]) -> Sequence[Record]:
        return models.records_from_graphql(_node(raw), self.shop)

    def raw_id(self, raw: Any) -> str | None:
        node = raw.get("node") if isinstance(raw, Mapping) else None
        value = node.get("id") if isinstance(node, Mapping) else None
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class ShopifyOrdersUpdated(ShopifyOrders):
    """Orders of ``shop`` updated in the window (new, paid, fulfilled, cancelled, refunded)."""

    name: ClassVar[str] = "orders_updated"
    field: ClassVar[WindowField] = "updated_at"


INCREMENTAL = (Incremental("orders_updated", "update_time"),)
"""The incremental rule of the Shopify stream the app pulls (refunds come with their order)."""


def _node(edge: Mapping[str, Any]) -> Mapping[str, Any]:
    node = edge.get("node") if isinstance(edge, Mapping) else None
    if not isinstance(node, Mapping):
        raise BadRecord("order edge has no node")
    return node
