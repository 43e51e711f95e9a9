"""The TikTok Shop streams, declared: endpoint, window parameters, where records are, mapping.

``orders`` and ``returns`` window on create time (the backfill); ``orders_updated`` and
``returns_updated`` on update time (incremental sync). Statements and affiliate orders have no
update filter: ``INCREMENTAL`` says how far back an incremental pull re-reads them.

Each stream is bound to one shop (or, for the creator stream, one creator account) because the
mapping needs the shop id and the request needs its cipher. Windows are sent as unix seconds,
``_ge`` inclusive and ``_lt`` exclusive, and sorted ascending so paging is stable while new
records arrive at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Literal

from connectors.core.incremental import Incremental
from connectors.core.records import (
    AffiliateCommissionRecord,
    OrderRecord,
    ReturnRecord,
    SettlementRecord,
    ShopRecord,
)
from connectors.core.streams import RequestSpec, Stream, Window
from connectors.core.timestamps import to_unix
from connectors.tiktok_shop import models
from connectors.tiktok_shop.config import TikTokShopConfig

# Scope each endpoint needs. LOW confidence: the reference gives no endpoint → scope mapping;
# these are the protocol's inference, used to say which permission is missing on 105005.
SCOPE_SHOPS = "seller.authorization.info"
SCOPE_ORDERS = "seller.order.info"
SCOPE_FINANCE = "seller.finance.info"
SCOPE_AFFILIATE_SELLER = "seller.affiliate_collaboration.read"
SCOPE_AFFILIATE_CREATOR = "creator.affiliate_collaboration.read"
SCOPE_RETURNS = "seller.return_refund.basic"

RETURNS_PAGE_SIZE = (10, 50)  # the returns search accepts 10..50 only

TimeField = Literal["create_time", "update_time"]
"""Which time an orders or returns window is on (``{field}_ge`` / ``{field}_lt``)."""

# How long records without an update filter keep changing. The reference documents neither:
# both are our estimates, generous on purpose (re-reading is harmless, missing is not).
STATEMENT_SETTLING = timedelta(days=7)
"""A statement is posted once; its ``payment_status`` moves PROCESSING -> PAID afterwards
(two days in the sandbox)."""
AFFILIATE_SETTLING = timedelta(days=60)
"""An affiliate order settles (status, actual commission, returned quantities) after the order
completes and its returns close; the affiliate searches filter by ``create_time`` only."""

INCREMENTAL = (
    Incremental("orders_updated", "update_time"),
    Incremental("returns_updated", "update_time"),
    Incremental("statements", "posted_time", STATEMENT_SETTLING),
    Incremental("seller_affiliate_orders", "create_time", AFFILIATE_SETTLING),
    Incremental("creator_affiliate_orders", "create_time", AFFILIATE_SETTLING),
)
"""The incremental rule of every TikTok Shop stream the app pulls."""


@dataclass(frozen=True)
class TikTokShopStream(Stream):
    """A stream of one shop (``shop``) or one creator account (``account_id``)."""

    config: TikTokShopConfig
    shop: ShopRecord | None = None
    account_id: str = ""

    scope: ClassVar[str]
    version_field: ClassVar[str]
    """The config field holding this endpoint's version, substituted for ``{version}``."""

    def url_path(self) -> str:
        return self.path.format(version=getattr(self.config, self.version_field))

    @property
    def shop_id(self) -> str:
        if self.shop is None:
            raise ValueError(f"{self.name} needs a shop")
        return self.shop.shop_id

    def shop_params(self) -> dict[str, str]:
        if self.shop is None or not self.shop.cipher:
            raise ValueError(f"{self.name} needs a shop with a cipher")
        return {"shop_cipher": self.shop.cipher}

    @staticmethod
    def with_token(params: dict[str, str], page_token: str | None) -> dict[str, str]:
        if page_token:  # never send empty parameters (reference 1.3)
            params["page_token"] = page_token
        return params

    @staticmethod
    def create_window(window: Window) -> dict[str, Any]:
        return TikTokShopStream.time_window(window, "create_time")

    @staticmethod
    def time_window(window: Window, field: TimeField) -> dict[str, Any]:
        return {f"{field}_ge": to_unix(window.start), f"{field}_lt": to_unix(window.end)}


class Orders(TikTokShopStream):
    """Orders created in the window, in their current state."""

    name = "orders"
    method = "POST"
    scope = SCOPE_ORDERS
    path = "/order/{version}/orders/search"
    version_field = "orders_version"
    records_path = ("data", "orders")
    time_field: ClassVar[TimeField] = "create_time"

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {
            **self.shop_params(),
            "page_size": str(self.config.page_size),
            "sort_field": self.time_field,
            "sort_order": "ASC",
        }
        return RequestSpec(
            self.method,
            self.url_path(),
            self.with_token(params, page_token),
            self.time_window(window, self.time_field),
        )

    def to_record(self, raw: Mapping[str, Any]) -> OrderRecord:
        return models.order_from_raw(raw, self.shop_id)


class OrdersUpdated(Orders):
    """Orders updated in the window (placed, paid, shipped, delivered, cancelled, completed),
    in their current state: the incremental stream, checkpointed apart from ``orders``."""

    name = "orders_updated"
    time_field = "update_time"


class Statements(TikTokShopStream):
    """Finance statements (daily payouts) whose statement time is in the window."""

    name = "statements"
    method = "GET"
    scope = SCOPE_FINANCE
    path = "/finance/{version}/statements"
    version_field = "statements_version"
    records_path = ("data", "statements")

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {
            **self.shop_params(),
            "page_size": str(self.config.page_size),
            "sort_field": "statement_time",
            "sort_order": "ASC",
            "statement_time_ge": str(to_unix(window.start)),
            "statement_time_lt": str(to_unix(window.end)),
        }
        return RequestSpec(self.method, self.url_path(), self.with_token(params, page_token))

    def to_record(self, raw: Mapping[str, Any]) -> SettlementRecord:
        return models.settlement_from_raw(raw, self.shop_id)


class SellerAffiliateOrders(TikTokShopStream):
    """Affiliate-attributed orders of the shop and the commission it pays."""

    name = "seller_affiliate_orders"
    method = "POST"
    scope = SCOPE_AFFILIATE_SELLER
    path = "/affiliate_seller/{version}/orders/search"
    version_field = "affiliate_seller_version"
    records_path = ("data", "orders")

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {**self.shop_params(), "page_size": str(self.config.page_size)}
        return RequestSpec(
            self.method,
            self.url_path(),
            self.with_token(params, page_token),
            self.create_window(window),
        )

    def to_record(self, raw: Mapping[str, Any]) -> AffiliateCommissionRecord:
        return models.seller_affiliate_from_raw(raw, self.shop_id)


class CreatorAffiliateOrders(TikTokShopStream):
    """A creator's affiliate orders and the commission earned (creator token, no shop)."""

    name = "creator_affiliate_orders"
    method = "POST"
    scope = SCOPE_AFFILIATE_CREATOR
    path = "/affiliate_creator/{version}/orders/search"
    version_field = "affiliate_creator_version"
    records_path = ("data", "orders")

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        params = {"page_size": str(self.config.page_size)}
        return RequestSpec(
            self.method,
            self.url_path(),
            self.with_token(params, page_token),
            self.create_window(window),
        )

    def to_record(self, raw: Mapping[str, Any]) -> AffiliateCommissionRecord:
        return models.creator_affiliate_from_raw(raw, self.account_id)


class Returns(TikTokShopStream):
    """Returns and refunds requested in the window."""

    name = "returns"
    method = "POST"
    scope = SCOPE_RETURNS
    path = "/return_refund/{version}/returns/search"
    version_field = "returns_version"
    records_path = ("data", "return_orders")
    primary_key = "return_id"
    time_field: ClassVar[TimeField] = "create_time"

    def request(self, window: Window, page_token: str | None) -> RequestSpec:
        low, high = RETURNS_PAGE_SIZE
        params = {
            **self.shop_params(),
            "page_size": str(min(max(self.config.page_size, low), high)),
            "sort_field": self.time_field,
            "sort_order": "ASC",
        }
        return RequestSpec(
            self.method,
            self.url_path(),
            self.with_token(params, page_token),
            self.time_window(window, self.time_field),
        )

    def to_record(self, raw: Mapping[str, Any]) -> ReturnRecord:
        return models.return_from_raw(raw, self.shop_id)


class ReturnsUpdated(Returns):
    """Returns updated in the window (requested, approved, completed, rejected, cancelled):
    the incremental stream, checkpointed apart from ``returns``."""

    name = "returns_updated"
    time_field = "update_time"
