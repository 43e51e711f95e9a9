"""The Partner API endpoints the emulator serves, with the scope and shop rules of each.

Each handler receives a validated :class:`Call` and returns the envelope's ``data``. Parameter
rules follow reference sections 3 to 7.1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.tiktok_shop.context import Call, filtered, sort_by, within
from sandbox.tiktok_shop.envelope import invalid_param

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
ASC_DESC = ("ASC", "DESC")


@dataclass(frozen=True)
class Endpoint:
    """One API: ``shop`` is "required" or "forbidden" for ``shop_cipher``; ``user_types`` the
    token kinds allowed (0 seller, 1 creator); the token needs any one of ``scopes``."""

    method: str
    category: str
    resource: str
    versions: frozenset[str]
    scopes: tuple[str, ...]
    shop: str
    user_types: frozenset[int]
    handler: Callable[[Call], dict[str, Any]]


def get_shops(call: Call) -> dict[str, Any]:
    shop = call.data.public_shop()
    return {"shops": [shop] if shop else []}


def _by_update(
    call: Call, pick: str, id_field: str, updated: tuple[int, int]
) -> list[dict[str, Any]]:
    """The records an update-time filter finds. Without one, the current records: reading by
    create time or status is immediate, only the update-time index lags (sandbox.asof)."""
    rows: list[dict[str, Any]] = getattr(call.data, pick)
    if updated == call.time_range(None, None):
        return rows
    return call.indexed(rows, pick, id_field, updated)


def search_orders(call: Call) -> dict[str, Any]:
    page_size = call.int_param("page_size", low=1, high=100, required=True)
    sort_field = call.choice("sort_field", ("create_time", "update_time"), "create_time")
    sort_order = call.choice("sort_order", ASC_DESC, "DESC")
    status = call.body.get("order_status")
    if status is not None and status not in ORDER_STATUSES:
        raise invalid_param("order_status is not a valid order status.")
    created = call.time_range(call.body_int("create_time_ge"), call.body_int("create_time_lt"))
    updated = call.time_range(call.body_int("update_time_ge"), call.body_int("update_time_lt"))
    rows = within(_by_update(call, "orders", "id", updated), "create_time", created)
    if status is not None:
        rows = [o for o in rows if o["status"] == status]
    rows = sort_by(rows, sort_field, "id", sort_order)
    binding = {
        "api": "orders",
        "body": call.body,
        "sort": [sort_field, sort_order],
        "shop": call.query.get("shop_cipher"),
    }
    chunk, next_token = call.page(rows, page_size, binding)
    return {"orders": chunk, "next_page_token": next_token, "total_count": len(rows)}


def get_order_detail(call: Call) -> dict[str, Any]:
    """Get Order Detail (reference 4.2): ``ids`` comma-separated, at most 50; ids the shop does
    not have are simply absent from the answer."""
    raw = call.query.get("ids") or ""
    ids = [part for part in raw.split(",") if part]
    if not ids:
        raise invalid_param("ids is required.")
    if len(ids) > 50:
        raise invalid_param("ids accepts at most 50 order ids.")
    wanted = set(ids)
    return {"orders": [order for order in call.data.orders if order["id"] in wanted]}


def get_statements(call: Call) -> dict[str, Any]:
    call.choice("sort_field", ("statement_time",), None)
    sort_order = call.choice("sort_order", ASC_DESC, "ASC")
    page_size = call.int_param("page_size", low=1, high=100, default=20)
    status = call.query.get("payment_status") or None
    if status is not None and status not in ("PAID", "FAILED", "PROCESSING"):
        raise invalid_param("payment_status must be PAID, FAILED or PROCESSING.")
    bounds = call.time_range(
        call.query_int("statement_time_ge"), call.query_int("statement_time_lt")
    )
    rows = within(call.data.statements, "statement_time", bounds)
    if status is not None:
        rows = [s for s in rows if s["payment_status"] == status]
    rows = sort_by(rows, "statement_time", "id", sort_order)
    binding = {
        "api": "statements",
        "sort": sort_order,
        "status": status,
        "ge": call.query.get("statement_time_ge"),
        "lt": call.query.get("statement_time_lt"),
        "shop": call.query.get("shop_cipher"),
    }
    chunk, next_token = call.page(rows, page_size, binding)
    return {"statements": chunk, "next_page_token": next_token}


def _affiliate(call: Call, rows: list[dict[str, Any]], api: str) -> dict[str, Any]:
    page_size = call.int_param("page_size", low=1, high=100, required=True)
    created = call.time_range(call.body_int("create_time_ge"), call.body_int("create_time_lt"))
    rows = sort_by(within(rows, "create_time", created), "create_time", "id", "DESC")
    binding = {"api": api, "body": call.body, "shop": call.query.get("shop_cipher")}
    chunk, next_token = call.page(rows, page_size, binding)
    return {"orders": chunk, "next_page_token": next_token, "total_count": len(rows)}


def search_seller_affiliate_orders(call: Call) -> dict[str, Any]:
    return _affiliate(call, call.data.seller_affiliate_orders, "seller_affiliate")


def search_creator_affiliate_orders(call: Call) -> dict[str, Any]:
    return _affiliate(call, call.data.creator_affiliate_orders, "creator_affiliate")


def _str_list(call: Call, name: str) -> set[str] | None:
    value = call.body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_param(f"{name} must be a list of strings.")
    return set(value)


def search_returns(call: Call) -> dict[str, Any]:
    # Reference 7.1: page_size is a string, default 10, range 10-50; sort_order defaults to ASC.
    page_size = call.int_param("page_size", low=10, high=50, default=10)
    sort_field = call.choice("sort_field", ("create_time", "update_time"), "create_time")
    sort_order = call.choice("sort_order", ASC_DESC, "ASC")
    created = call.time_range(call.body_int("create_time_ge"), call.body_int("create_time_lt"))
    updated = call.time_range(call.body_int("update_time_ge"), call.body_int("update_time_lt"))
    order_ids = _str_list(call, "order_ids")
    return_ids = _str_list(call, "return_ids")
    statuses = _str_list(call, "return_status")
    types = _str_list(call, "return_types")
    buyers = _str_list(call, "buyer_user_ids")
    buyer_orders = (
        {o["id"] for o in call.data.orders if o["user_id"] in buyers}
        if buyers is not None
        else None
    )
    rows = filtered(
        within(_by_update(call, "returns", "return_id", updated), "create_time", created),
        lambda r: order_ids is None or r["order_id"] in order_ids,
        lambda r: return_ids is None or r["return_id"] in return_ids,
        lambda r: statuses is None or r["return_status"] in statuses,
        lambda r: types is None or r["return_type"] in types,
        lambda r: buyer_orders is None or r["order_id"] in buyer_orders,
    )
    rows = sort_by(rows, sort_field, "return_id", sort_order)
    binding = {
        "api": "returns",
        "body": call.body,
        "sort": [sort_field, sort_order],
        "shop": call.query.get("shop_cipher"),
    }
    chunk, next_token = call.page(rows, page_size, binding)
    return {"return_orders": chunk, "next_page_token": next_token, "total_count": len(rows)}


V202309 = frozenset({"202309"})
V202410 = frozenset({"202410"})
SELLER, CREATOR = frozenset({0}), frozenset({1})

ENDPOINTS: tuple[Endpoint, ...] = (
    # A creator may call Get Authorized Shops and sees no shop; the creator scope admitting it is
    # our inference (LOW: the reference maps no scope to any endpoint).
    Endpoint(
        "GET",
        "authorization",
        "shops",
        V202309,
        ("seller.authorization.info", "creator.affiliate_collaboration.read"),
        "forbidden",
        frozenset({0, 1}),
        get_shops,
    ),
    Endpoint(
        "POST",
        "order",
        "orders/search",
        V202309,
        ("seller.order.info",),
        "required",
        SELLER,
        search_orders,
    ),
    # 202507 is the newest documented version; the sample shapes of both are the same order
    # object (reference 4.2, LOW on their differences).
    Endpoint(
        "GET",
        "order",
        "orders",
        frozenset({"202309", "202507"}),
        ("seller.order.info",),
        "required",
        SELLER,
        get_order_detail,
    ),
    Endpoint(
        "GET",
        "finance",
        "statements",
        V202309,
        ("seller.finance.info",),
        "required",
        SELLER,
        get_statements,
    ),
    Endpoint(
        "POST",
        "affiliate_seller",
        "orders/search",
        V202410,
        ("seller.affiliate_collaboration.read",),
        "required",
        SELLER,
        search_seller_affiliate_orders,
    ),
    Endpoint(
        "POST",
        "affiliate_creator",
        "orders/search",
        V202410,
        ("creator.affiliate_collaboration.read",),
        "forbidden",
        CREATOR,
        search_creator_affiliate_orders,
    ),
    Endpoint(
        "POST",
        "return_refund",
        "returns/search",
        V202309,
        ("seller.return_refund.basic",),
        "required",
        SELLER,
        search_returns,
    ),
)
