"""The legacy REST Admin API the sandbox serves: ``orders.json`` (filters, ``fields``,
Link-header ``page_info`` paging), ``orders/count.json``, ``orders/{id}.json``, ``shop.json``
and the unversioned ``/admin/oauth/access_scopes.json`` (reference 2, 6, 7).

Orders list newest first (``created_at`` descending, then id). ``page_info`` is opaque: it
carries the first request's filters and the position, signed so it cannot be altered, and a
request that has one may only add ``limit`` and ``fields`` (reference 2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from sandbox.shopify.admin import AdminError, Caller
from sandbox.shopify.data import Order, ShopifyData
from sandbox.shopify.emulator import ShopifyEmulator
from sandbox.shopify.render import fields_projection, order_json, shop_json
from sandbox.shopify.search import STATUSES, OrderFilter, SearchError, parse_time

MAX_LIMIT, DEFAULT_LIMIT = 250, 50
FILTERS = (
    "ids",
    "since_id",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
    "processed_at_min",
    "processed_at_max",
    "attribution_app_id",
    "name",
    "status",
    "financial_status",
    "fulfillment_status",
)
FINANCIAL_FILTERS = (
    "authorized", "pending", "paid", "partially_paid", "refunded", "voided",
    "partially_refunded", "any", "unpaid",
)  # fmt: skip
FULFILLMENT_FILTERS = ("shipped", "partial", "unshipped", "any", "unfulfilled")


def invalid(field: str, message: str) -> AdminError:
    return AdminError(400, {field: [message]})


def _limit(query: dict[str, str]) -> int:
    raw = query.get("limit", str(DEFAULT_LIMIT))
    try:
        value = int(raw)
    except ValueError:
        raise invalid("limit", "must be an integer") from None
    if not 1 <= value <= MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return value


def _fields(query: dict[str, str]) -> list[str] | None:
    raw = query.get("fields")
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


def order_filter(params: dict[str, str]) -> tuple[OrderFilter, str | None, str | None]:
    """The filter of a first request, plus its name and fulfilment-status conditions."""
    result = OrderFilter(status=params.get("status", "open"))
    if result.status not in STATUSES:
        raise invalid("status", f"must be one of {', '.join(STATUSES)}")
    try:
        for name in ("created_at", "updated_at", "processed_at"):
            if params.get(f"{name}_min"):
                result.times.append((name, ">=", parse_time(params[f"{name}_min"])))
            if params.get(f"{name}_max"):
                result.times.append((name, "<=", parse_time(params[f"{name}_max"])))
    except SearchError as exc:
        raise invalid("created_at", str(exc)) from None
    financial = params.get("financial_status")
    if financial is not None and financial not in FINANCIAL_FILTERS:
        raise invalid("financial_status", "is not a valid financial status")
    result.financial_status = financial
    fulfillment = params.get("fulfillment_status")
    if fulfillment is not None and fulfillment not in FULFILLMENT_FILTERS:
        raise invalid("fulfillment_status", "is not a valid fulfillment status")
    try:
        if params.get("ids"):
            result.ids = {int(i) for i in params["ids"].split(",") if i.strip()}
        if params.get("since_id"):
            result.since_id = int(params["since_id"])
    except ValueError:
        raise invalid("ids", "must be integers") from None
    return result, params.get("name"), fulfillment


def _fulfillment_matches(order: Order, wanted: str | None) -> bool:
    status = order.fulfillment_status
    if wanted in (None, "any"):
        return True
    if wanted == "shipped":
        return status == "fulfilled"
    if wanted == "partial":
        return status == "partial"
    if wanted == "unshipped":
        return status is None
    return status != "fulfilled"  # unfulfilled: unshipped or partially shipped


def matching_orders(
    data: ShopifyData, caller: Caller, emu: ShopifyEmulator, params: dict[str, str]
) -> list[Order]:
    """Visible orders matching a first request's filters, newest first."""
    search, name, fulfillment = order_filter(params)
    search.index = emu.index_data(caller.persona.id).orders_by_id
    visible_from = caller.visible_from(emu)
    wanted_name = None if name is None else "#" + name.lstrip("#")
    orders = [
        o
        for o in data.orders
        if o.created_at >= visible_from
        and search.matches(o)
        and _fulfillment_matches(o, fulfillment)
        and (wanted_name is None or o.name == wanted_name)
    ]
    orders.sort(key=lambda o: (o.created_at, o.id), reverse=True)
    return orders


def _sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()[:16]


def encode_page_info(secret: bytes, state: dict[str, Any]) -> str:
    body = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    token = json.dumps({"s": state, "t": _sign(secret, body)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def decode_page_info(secret: bytes, raw: str) -> dict[str, Any]:
    bad = AdminError(400, {"page_info": ["Invalid value."]})
    try:
        token = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        state, tag = token["s"], token["t"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise bad from None
    body = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    if not isinstance(state, dict) or not hmac.compare_digest(str(tag), _sign(secret, body)):
        raise bad
    return state


def _link(base: str, limit: int, fields: str | None, page_info: str, rel: str) -> str:
    query = {"limit": str(limit), "page_info": page_info}
    if fields:
        query["fields"] = fields
    return f'<{base}?{urlencode(query)}>; rel="{rel}"'


def list_orders(
    request: Request, emu: ShopifyEmulator, caller: Caller, secret: bytes
) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``orders.json`` body and its Link header (if any)."""
    caller.require("read_orders")
    query = dict(request.query_params)
    limit, fields = _limit(query), _fields(query)
    data = emu.data(caller.persona.id)
    raw_page = query.get("page_info")
    if raw_page is not None:
        extra = sorted(set(query) - {"page_info", "limit", "fields"})
        if extra:
            raise AdminError(
                400,
                {"page_info": [f"cannot be combined with {', '.join(extra)}: only limit and "
                               "fields may accompany page_info"]},
            )  # fmt: skip
        state = decode_page_info(secret, raw_page)
        params, direction, mark = state["p"], state["d"], tuple(state["k"])
    else:
        params = {k: v for k, v in query.items() if k in FILTERS}
        direction, mark = "next", None
    orders = matching_orders(data, caller, emu, params)
    keys = [(o.created_at, o.id) for o in orders]
    if mark is None:
        start = 0
        stop = min(limit, len(keys))
    elif direction == "next":
        start = next((i for i, k in enumerate(keys) if k < mark), len(keys))
        stop = min(start + limit, len(keys))
    else:
        stop = next((i for i, k in enumerate(keys) if k <= mark), len(keys))
        start = max(0, stop - limit)
    page = orders[start:stop]

    links = []
    base = str(request.url.replace(query=""))
    if page and start > 0:
        first = (page[0].created_at, page[0].id)
        info = encode_page_info(secret, {"p": params, "d": "previous", "k": list(first)})
        links.append(_link(base, limit, query.get("fields"), info, "previous"))
    if page and stop < len(orders):
        last = (page[-1].created_at, page[-1].id)
        info = encode_page_info(secret, {"p": params, "d": "next", "k": list(last)})
        links.append(_link(base, limit, query.get("fields"), info, "next"))
    body = {"orders": [fields_projection(order_json(data, o), fields) for o in page]}
    return body, ({"Link": ", ".join(links)} if links else {})


def count_orders(request: Request, emu: ShopifyEmulator, caller: Caller) -> dict[str, Any]:
    caller.require("read_orders")
    params = {k: v for k, v in request.query_params.items() if k in FILTERS}
    return {"count": len(matching_orders(emu.data(caller.persona.id), caller, emu, params))}


def get_order(
    request: Request, emu: ShopifyEmulator, caller: Caller, order_id: str
) -> dict[str, Any]:
    caller.require("read_orders")
    data = emu.data(caller.persona.id)
    order = data.orders_by_id.get(int(order_id)) if order_id.isdigit() else None
    if order is None or order.created_at < caller.visible_from(emu):
        raise AdminError(404, "Not Found")
    return {
        "order": fields_projection(order_json(data, order), _fields(dict(request.query_params)))
    }


def get_shop(emu: ShopifyEmulator, caller: Caller) -> dict[str, Any]:
    return {"shop": shop_json(emu.data(caller.persona.id))}


def access_scopes(caller: Caller) -> dict[str, Any]:
    return {"access_scopes": [{"handle": s} for s in caller.grant.scopes]}
