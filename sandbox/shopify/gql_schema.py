"""The slice of the Admin GraphQL schema the sandbox serves, with a resolver per field.

Types: QueryRoot (``shop``, ``orders``, ``order``, ``productsCount``, ``currentAppInstallation``),
Shop, Order and the objects it reaches (MoneyBag, Refund, Customer, MailingAddress), and the
order connection. Field names follow reference 3 and 6; anything else is an undefined field.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.money import fmt
from sandbox.shopify.data import Customer, Order, Refund, ShopifyData
from sandbox.shopify.render import utc_time
from sandbox.shopify.search import SearchError, parse_search
from sandbox.shopify.state import has_scope

MAX_PAGE = 250


class FieldError(Exception):
    """A runtime error of one field: it resolves to null and the error is reported."""

    def __init__(self, message: str, extensions: dict[str, Any]) -> None:
        super().__init__(message)
        self.message, self.extensions = message, extensions


@dataclass
class Context:
    data: ShopifyData
    scopes: tuple[str, ...]
    visible_from: float
    index: Mapping[int, Order] | None = None
    """The orders as the ``updated_at`` search index sees them (None: as ``data``)."""
    search_warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.data.persona.currency

    def require(self, scope: str, field_name: str) -> None:
        if not has_scope(self.scopes, scope):
            raise FieldError(
                f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
                {
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )


Resolver = Callable[[Context, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class FieldSpec:
    type: str
    kind: str  # "scalar" | "object" | "list" (of objects) | "connection"
    resolve: Resolver
    args: dict[str, str] = field(default_factory=dict)


def _attr(name: str) -> Resolver:
    return lambda ctx, parent, args: getattr(parent, name)


def _key(name: str) -> Resolver:
    return lambda ctx, parent, args: parent[name]


def scalar(resolve: Resolver, type_name: str = "String") -> FieldSpec:
    return FieldSpec(type_name, "scalar", resolve)


def obj(type_name: str, resolve: Resolver, **args: str) -> FieldSpec:
    return FieldSpec(type_name, "object", resolve, dict(args))


# --- money -------------------------------------------------------------------------------------


def _bag(amount: Callable[[Order], Decimal]) -> FieldSpec:
    return obj("MoneyBag", lambda ctx, o, a: (amount(o), ctx.currency))


def _money(ctx: Context, bag: tuple[Decimal, str], args: dict[str, Any]) -> dict[str, str]:
    amount, currency = bag
    return {"amount": fmt(amount, currency), "currencyCode": currency}


MONEY_BAG = {
    "shopMoney": obj("MoneyV2", _money),
    "presentmentMoney": obj("MoneyV2", _money),
}
MONEY_V2 = {
    "amount": scalar(_key("amount"), "Decimal"),
    "currencyCode": scalar(_key("currencyCode")),
}

# --- orders ------------------------------------------------------------------------------------

FINANCIAL = {
    "paid": "PAID",
    "pending": "PENDING",
    "refunded": "REFUNDED",
    "partially_refunded": "PARTIALLY_REFUNDED",
    "voided": "VOIDED",
    "authorized": "AUTHORIZED",
}
FULFILLMENT = {None: "UNFULFILLED", "fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}


def _refunds(ctx: Context, order: Order, args: dict[str, Any]) -> list[tuple[Order, Refund]]:
    refunds = [(order, r) for r in order.refunds]
    first = args.get("first")
    return refunds[:first] if isinstance(first, int) else refunds


ORDER: dict[str, FieldSpec] = {
    "id": scalar(_attr("gid"), "ID"),
    "legacyResourceId": scalar(lambda c, o, a: str(o.id), "UnsignedInt64"),
    "name": scalar(_attr("name")),
    "createdAt": scalar(lambda c, o, a: utc_time(o.created_at), "DateTime"),
    "updatedAt": scalar(lambda c, o, a: utc_time(o.updated_at), "DateTime"),
    "processedAt": scalar(lambda c, o, a: utc_time(o.created_at), "DateTime"),
    "cancelledAt": scalar(lambda c, o, a: utc_time(o.cancelled_at), "DateTime"),
    "cancelReason": scalar(lambda c, o, a: o.cancel_reason.upper() if o.cancel_reason else None),
    "closed": scalar(lambda c, o, a: o.closed_at is not None, "Boolean"),
    "closedAt": scalar(lambda c, o, a: utc_time(o.closed_at), "DateTime"),
    "confirmed": scalar(lambda c, o, a: True, "Boolean"),
    "test": scalar(_attr("test"), "Boolean"),
    "displayFinancialStatus": scalar(lambda c, o, a: FINANCIAL[o.financial_status]),
    "displayFulfillmentStatus": scalar(lambda c, o, a: FULFILLMENT[o.fulfillment_status]),
    "currencyCode": scalar(lambda c, o, a: c.currency),
    "presentmentCurrencyCode": scalar(lambda c, o, a: c.currency),
    "taxesIncluded": scalar(lambda c, o, a: c.data.persona.taxes_included, "Boolean"),
    "email": scalar(_attr("email")),
    "phone": scalar(_attr("phone")),
    "sourceName": scalar(lambda c, o, a: "web"),
    "paymentGatewayNames": scalar(lambda c, o, a: [o.gateway], "[String!]"),
    "totalPriceSet": _bag(lambda o: o.total),
    "subtotalPriceSet": _bag(lambda o: o.subtotal),
    "totalTaxSet": _bag(lambda o: o.total_tax),
    "totalShippingPriceSet": _bag(lambda o: o.shipping),
    "totalDiscountsSet": _bag(lambda o: o.total_discounts),
    "totalRefundedSet": _bag(lambda o: o.refunded),
    "currentTotalPriceSet": _bag(lambda o: o.total - o.refunded),
    "currentSubtotalPriceSet": _bag(lambda o: max(Decimal(0), o.subtotal - o.refunded)),
    "totalOutstandingSet": _bag(
        lambda o: o.total if o.financial_status == "pending" else Decimal(0)
    ),
    "refunds": FieldSpec("Refund", "list", _refunds, {"first": "Int"}),
    "customer": obj("Customer", lambda c, o, a: o.customer),
    "shippingAddress": obj("MailingAddress", lambda c, o, a: o.ship_to),
    "billingAddress": obj("MailingAddress", lambda c, o, a: o.ship_to),
}

REFUND: dict[str, FieldSpec] = {
    "id": scalar(lambda c, p, a: f"gid://shopify/Refund/{p[1].id}", "ID"),
    "legacyResourceId": scalar(lambda c, p, a: str(p[1].id), "UnsignedInt64"),
    "createdAt": scalar(lambda c, p, a: utc_time(p[1].created_at), "DateTime"),
    "updatedAt": scalar(lambda c, p, a: utc_time(p[1].created_at), "DateTime"),
    "note": scalar(lambda c, p, a: p[1].note),
    "totalRefundedSet": obj("MoneyBag", lambda c, p, a: (p[1].amount, c.currency)),
}


def _orders_of(ctx: Context, customer: Customer) -> int:
    return sum(
        1 for o in ctx.data.orders if o.customer is not None and o.customer.id == customer.id
    )


CUSTOMER: dict[str, FieldSpec] = {
    "id": scalar(lambda c, p, a: f"gid://shopify/Customer/{p.id}", "ID"),
    "legacyResourceId": scalar(lambda c, p, a: str(p.id), "UnsignedInt64"),
    "firstName": scalar(_attr("first_name")),
    "lastName": scalar(_attr("last_name")),
    "displayName": scalar(_attr("name")),
    "email": scalar(_attr("email")),
    "phone": scalar(_attr("phone")),
    "createdAt": scalar(lambda c, p, a: utc_time(p.created_at), "DateTime"),
    "numberOfOrders": scalar(lambda c, p, a: str(_orders_of(c, p)), "UnsignedInt64"),
    "defaultAddress": obj("MailingAddress", lambda c, p, a: p),
}

MAILING_ADDRESS: dict[str, FieldSpec] = {
    "firstName": scalar(_attr("first_name")),
    "lastName": scalar(_attr("last_name")),
    "name": scalar(_attr("name")),
    "address1": scalar(_attr("address1")),
    "address2": scalar(_attr("address2")),
    "city": scalar(_attr("city")),
    "province": scalar(_attr("province")),
    "provinceCode": scalar(_attr("province_code")),
    "zip": scalar(_attr("zip")),
    "country": scalar(_attr("country")),
    "countryCodeV2": scalar(_attr("country_code")),
    "phone": scalar(_attr("phone")),
}

# --- the order connection ----------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[Order], tuple[int, int]]] = {
    "ID": lambda o: (o.id, o.id),
    "CREATED_AT": lambda o: (o.created_at, o.id),
    "PROCESSED_AT": lambda o: (o.created_at, o.id),
    "UPDATED_AT": lambda o: (o.updated_at, o.id),
    "ORDER_NUMBER": lambda o: (o.number, o.id),
}


def encode_cursor(sort_key: str, order: Order) -> str:
    value, _ = SORT_KEYS[sort_key](order)
    payload = {"last_id": order.id, "last_value": value}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(payload["last_value"]), int(payload["last_id"])
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise FieldError(
            "Invalid cursor for current pagination.", {"code": "BAD_REQUEST"}
        ) from None


def _bad(message: str) -> FieldError:
    return FieldError(message, {"code": "BAD_REQUEST"})


@dataclass(frozen=True)
class OrderPage:
    edges: list[tuple[str, Order]]
    has_next: bool
    has_previous: bool


def visible_orders(ctx: Context, args: dict[str, Any]) -> list[Order]:
    query = args.get("query")
    try:
        search = parse_search(query if isinstance(query, str) else None)
    except SearchError as exc:
        raise _bad(f"Invalid search query: {exc}") from None
    search.index = ctx.index
    if search.warnings:
        ctx.search_warnings.append(
            {"path": ["orders"], "query": query, "warnings": search.warnings}
        )
    return [o for o in ctx.data.orders if o.created_at >= ctx.visible_from and search.matches(o)]


def _orders(ctx: Context, parent: Any, args: dict[str, Any]) -> OrderPage:
    ctx.require("read_orders", "orders")
    first, last = args.get("first"), args.get("last")
    if (first is None) == (last is None):
        raise _bad("you must provide one of first or last")
    size = first if first is not None else last
    assert isinstance(size, int)
    if not 0 <= size <= MAX_PAGE:
        raise _bad(f"The maximum number of elements that can be requested is {MAX_PAGE}.")
    sort_name = args.get("sortKey") or "ID"
    if sort_name not in SORT_KEYS:
        raise _bad(f"Unsupported sortKey: {sort_name}")
    key = SORT_KEYS[sort_name]
    reverse = bool(args.get("reverse"))
    items = sorted(visible_orders(ctx, args), key=key, reverse=reverse)

    def beyond(order: Order, mark: tuple[int, int], after: bool) -> bool:
        ahead = key(order) < mark if reverse else key(order) > mark
        return ahead if after else (key(order) != mark and not ahead)

    has_previous = has_next = False
    if args.get("after"):
        mark = decode_cursor(str(args["after"]))
        before_count = len(items)
        items = [o for o in items if beyond(o, mark, True)]
        has_previous = len(items) < before_count
    if args.get("before"):
        mark = decode_cursor(str(args["before"]))
        before_count = len(items)
        items = [o for o in items if beyond(o, mark, False)]
        has_next = len(items) < before_count
    if first is not None:
        has_next = has_next or len(items) > size
        items = items[:size]
    else:
        has_previous = has_previous or len(items) > size
        items = items[len(items) - size :] if size else []
    return OrderPage([(encode_cursor(sort_name, o), o) for o in items], has_next, has_previous)


ORDER_CONNECTION: dict[str, FieldSpec] = {
    "edges": FieldSpec("OrderEdge", "list", lambda c, p, a: p.edges),
    "nodes": FieldSpec("Order", "list", lambda c, p, a: [o for _, o in p.edges]),
    "pageInfo": obj("PageInfo", lambda c, p, a: p),
}
ORDER_EDGE: dict[str, FieldSpec] = {
    "cursor": scalar(lambda c, p, a: p[0]),
    "node": obj("Order", lambda c, p, a: p[1]),
}
PAGE_INFO: dict[str, FieldSpec] = {
    "hasNextPage": scalar(lambda c, p, a: p.has_next, "Boolean"),
    "hasPreviousPage": scalar(lambda c, p, a: p.has_previous, "Boolean"),
    "startCursor": scalar(lambda c, p, a: p.edges[0][0] if p.edges else None),
    "endCursor": scalar(lambda c, p, a: p.edges[-1][0] if p.edges else None),
}

# --- shop and the root -------------------------------------------------------------------------


def _shop(ctx: Context, parent: Any, args: dict[str, Any]) -> ShopifyData:
    return ctx.data


SHOP: dict[str, FieldSpec] = {
    "id": scalar(lambda c, d, a: f"gid://shopify/Shop/{d.shop_id}", "ID"),
    "name": scalar(lambda c, d, a: d.persona.name),
    "email": scalar(lambda c, d, a: d.shop_email),
    "contactEmail": scalar(lambda c, d, a: d.shop_email),
    "myshopifyDomain": scalar(lambda c, d, a: d.persona.shop),
    "url": scalar(lambda c, d, a: f"https://{d.persona.shop}", "URL"),
    "primaryDomain": obj("Domain", lambda c, d, a: d.persona.shop),
    "currencyCode": scalar(lambda c, d, a: d.persona.currency),
    "enabledPresentmentCurrencies": scalar(lambda c, d, a: [d.persona.currency], "[String!]"),
    "createdAt": scalar(lambda c, d, a: utc_time(d.shop_created_at), "DateTime"),
    "updatedAt": scalar(lambda c, d, a: utc_time(d.shop_updated_at), "DateTime"),
    "ianaTimezone": scalar(lambda c, d, a: d.persona.region.timezone),
    "taxesIncluded": scalar(lambda c, d, a: d.persona.taxes_included, "Boolean"),
    "plan": obj("ShopPlan", lambda c, d, a: d.persona),
    "billingAddress": obj("ShopAddress", lambda c, d, a: d.persona.region),
}
DOMAIN: dict[str, FieldSpec] = {
    "host": scalar(lambda c, host, a: host),
    "url": scalar(lambda c, host, a: f"https://{host}", "URL"),
    "sslEnabled": scalar(lambda c, host, a: True, "Boolean"),
}
SHOP_PLAN: dict[str, FieldSpec] = {
    "displayName": scalar(lambda c, p, a: p.plan_display_name),
    "publicDisplayName": scalar(lambda c, p, a: p.plan_display_name),
    "partnerDevelopment": scalar(lambda c, p, a: p.plan_name == "partner_test", "Boolean"),
    "shopifyPlus": scalar(lambda c, p, a: p.plan_name in ("shopify_plus", "enterprise"), "Boolean"),
}
SHOP_ADDRESS: dict[str, FieldSpec] = {
    "countryCodeV2": scalar(lambda c, r, a: r.country_code),
    "country": scalar(lambda c, r, a: r.country),
    "city": scalar(lambda c, r, a: r.places[0][0]),
    "province": scalar(lambda c, r, a: r.places[0][1]),
    "zip": scalar(lambda c, r, a: r.places[0][3]),
}
COUNT: dict[str, FieldSpec] = {
    "count": scalar(lambda c, n, a: n, "Int"),
    "precision": scalar(lambda c, n, a: "EXACT"),
}
APP_INSTALLATION: dict[str, FieldSpec] = {
    "accessScopes": FieldSpec("AccessScope", "list", lambda c, p, a: list(c.scopes)),
}
ACCESS_SCOPE: dict[str, FieldSpec] = {"handle": scalar(lambda c, s, a: s)}


def _products_count(ctx: Context, parent: Any, args: dict[str, Any]) -> int:
    ctx.require("read_products", "productsCount")
    return ctx.data.product_count


def _order(ctx: Context, parent: Any, args: dict[str, Any]) -> Order | None:
    ctx.require("read_orders", "order")
    gid = str(args.get("id", ""))
    prefix = "gid://shopify/Order/"
    if not gid.startswith(prefix) or not gid[len(prefix) :].isdigit():
        raise _bad(f"Invalid global id '{gid}'")
    order = ctx.data.orders_by_id.get(int(gid[len(prefix) :]))
    if order is None or order.created_at < ctx.visible_from:
        return None
    return order


ORDER_ARGS = {
    "first": "Int",
    "last": "Int",
    "after": "String",
    "before": "String",
    "query": "String",
    "sortKey": "OrderSortKeys",
    "reverse": "Boolean",
}

QUERY_ROOT: dict[str, FieldSpec] = {
    "shop": obj("Shop", _shop),
    "orders": FieldSpec("OrderConnection", "connection", _orders, ORDER_ARGS),
    "order": obj("Order", _order, id="ID!"),
    "productsCount": obj("Count", _products_count, query="String", limit="Int"),
    "currentAppInstallation": obj("AppInstallation", lambda c, p, a: c),
}

TYPES: dict[str, dict[str, FieldSpec]] = {
    "QueryRoot": QUERY_ROOT,
    "Shop": SHOP,
    "Domain": DOMAIN,
    "ShopPlan": SHOP_PLAN,
    "ShopAddress": SHOP_ADDRESS,
    "Count": COUNT,
    "AppInstallation": APP_INSTALLATION,
    "AccessScope": ACCESS_SCOPE,
    "OrderConnection": ORDER_CONNECTION,
    "OrderEdge": ORDER_EDGE,
    "PageInfo": PAGE_INFO,
    "Order": ORDER,
    "MoneyBag": MONEY_BAG,
    "MoneyV2": MONEY_V2,
    "Refund": REFUND,
    "Customer": CUSTOMER,
    "MailingAddress": MAILING_ADDRESS,
}
