"""Declared SP-API streams for the core executor: orders (v0 getOrders, v2026 searchOrders; by
creation as ``orders``, by last update as ``orders_updated``),
Finances 2024-06-19 listTransactions and v0 listFinancialEventGroups (payouts).

Arrays go as CSV (Swagger 2 default; the models set no ``collectionFormat``). Every page repeats
the query unchanged with the page token added, as both order APIs require. ``before`` is the
window end already moved at least 2 minutes into the past (Amazon rejects a later one).
v2026 asks only for FULFILLMENT and PROCEEDS: never BUYER or RECIPIENT (no buyer PII).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from connectors.amazon_sp_api import models
from connectors.core.incremental import Incremental
from connectors.core.paging import NextPageToken
from connectors.core.records import Record
from connectors.core.streams import RequestSpec, Stream, Window

OrderTime = Literal["created", "updated"]

INCLUDED_DATA = ("FULFILLMENT", "PROCEEDS")
"""What searchOrders returns beyond the basics; BUYER and RECIPIENT are PII and never asked."""

FINANCE_SETTLING = timedelta(days=3)
"""Re-read window of transactions. Reference 4: "Financial events can lag orders by up to 48
hours" and deferred events are not shown until released, so a transaction may appear with a
posted date in the past; three days covers the documented 48 hours with a margin."""
GROUP_SETTLING = timedelta(days=30)
"""Re-read window of settlement groups: a group stays open (its total changing) for its period,
14 days in the sandbox; the reference gives no period, 30 days is our margin."""

INCREMENTAL = (
    Incremental("orders_updated", "update_time"),
    Incremental("transactions", "posted_time", FINANCE_SETTLING),
    Incremental("financial_event_groups", "create_time", GROUP_SETTLING),
)
"""The incremental rule of every SP-API stream the app pulls. The client moves every window
end 2 minutes into the past (Amazon refuses a later one), so ``lag`` must also cover those 2
minutes: a change in them is read by the next pull."""


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class AmazonStream(Stream):
    operation: ClassVar[str]

    def __init__(self, seller_id: str) -> None:
        self.seller_id = seller_id


class OrdersV0(AmazonStream):
    name = "orders"
    operation = "getOrders"
    method = "GET"
    path = "/orders/v0/orders"
    records_path: ClassVar[tuple[str, ...]] = ("payload", "Orders")
    primary_key = "AmazonOrderId"
    paginator = NextPageToken(param="NextToken", response_path=("payload", "NextToken"))

    def __init__(
        self, seller_id: str, marketplace_ids: Sequence[str], by: OrderTime, page_size: int
    ) -> None:
        super().__init__(seller_id)
        self.marketplace_ids = list(marketplace_ids)
        self.by = by
        self.page_size = page_size

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        after, before = (
            ("CreatedAfter", "CreatedBefore")
            if self.by == "created"
            else ("LastUpdatedAfter", "LastUpdatedBefore")
        )
        params = {
            "MarketplaceIds": ",".join(self.marketplace_ids),
            after: iso(window.start),
            before: iso(window.end),
            "MaxResultsPerPage": str(self.page_size),
        }
        if page_token:
            params["NextToken"] = page_token
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> Record:
        return models.order_from_v0(raw, self.seller_id)


class SearchOrders(OrdersV0):
    operation = "searchOrders"
    path = "/orders/2026-01-01/orders"
    records_path = ("orders",)
    primary_key = "orderId"
    paginator = NextPageToken(param="paginationToken", response_path=("pagination", "nextToken"))

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        after, before = (
            ("createdAfter", "createdBefore")
            if self.by == "created"
            else ("lastUpdatedAfter", "lastUpdatedBefore")
        )
        params = {
            "marketplaceIds": ",".join(self.marketplace_ids),
            after: iso(window.start),
            before: iso(window.end),
            "maxResultsPerPage": str(self.page_size),
            "includedData": ",".join(INCLUDED_DATA),
        }
        if page_token:
            params["paginationToken"] = page_token
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> Record:
        return models.order_from_v2026(raw, self.seller_id)


class OrdersV0Updated(OrdersV0):
    """getOrders by ``LastUpdatedAfter``: the incremental stream, checkpointed apart."""

    name = "orders_updated"


class SearchOrdersUpdated(SearchOrders):
    """searchOrders by ``lastUpdatedAfter``: the incremental stream, checkpointed apart."""

    name = "orders_updated"


class Transactions(AmazonStream):
    name = "transactions"
    operation = "listTransactions"
    method = "GET"
    path = "/finances/2024-06-19/transactions"
    records_path = ("payload", "transactions")
    primary_key = "transactionId"
    paginator = NextPageToken(param="nextToken", response_path=("payload", "nextToken"))

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {"postedAfter": iso(window.start), "postedBefore": iso(window.end)}
        if page_token:
            params["nextToken"] = page_token
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> Record:
        return models.transaction_to_record(raw, self.seller_id)


class FinancialEventGroups(AmazonStream):
    name = "financial_event_groups"
    operation = "listFinancialEventGroups"
    method = "GET"
    path = "/finances/v0/financialEventGroups"
    records_path = ("payload", "FinancialEventGroupList")
    primary_key = "FinancialEventGroupId"
    paginator = NextPageToken(param="NextToken", response_path=("payload", "NextToken"))

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {
            "FinancialEventGroupStartedAfter": iso(window.start),
            "FinancialEventGroupStartedBefore": iso(window.end),
            "MaxResultsPerPage": "100",
        }
        if page_token:
            params["NextToken"] = page_token
        return RequestSpec(self.method, self.path, params)

    def to_record(self, raw: Mapping[str, Any]) -> Record:
        return models.event_group_to_record(raw, self.seller_id)
