"""The SP-API routes: access-token check, token buckets, static cases, validation and paging.

Every response carries ``x-amzn-RequestId``; ``x-amzn-RateLimit-Limit`` (the documented rate
times the sandbox ``time_scale``) only on 200, 400 and 404 (reference 3d).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.amazon import render
from sandbox.amazon.data import AmazonData, Order
from sandbox.amazon.emulator import PLATFORM, AmazonEmulator
from sandbox.amazon.personas import MARKETPLACES
from sandbox.amazon.static_cases import match
from sandbox.fault_answers import broken
from sandbox.fault_pages import PageShape, paged, token_at
from sandbox.faults import RATE_LIMIT_KINDS

# operation -> (rate per second, burst): reference 3-4; Sellers is MEDIUM (public docs only).
RATES: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "searchOrders": (0.0056, 20),
    "getOrder2026": (0.5, 30),
    "listTransactions": (0.5, 10),
    "listFinancialEventGroups": (0.5, 30),
    "listFinancialEventsByGroupId": (0.5, 30),
    "getMarketplaceParticipations": (0.016, 15),
}
QUOTA = {
    "code": "QuotaExceeded",
    "message": "You exceeded your quota for the requested resource.",
    "details": "",
}
TRANSACTIONS_PAGE = 100
TOKEN_TTL = 24 * 3600
V0_TO_2026 = {v: k for k, v in render.V2026_STATUS.items()}
PAST = 120  # "Before" values must be at least 2 minutes before now


# The order lists get page and record faults (others request faults only): operation ->
# (the query parameter carrying the page token, the list's shape).
PAGED: dict[str, tuple[str, PageShape]] = {
    "getOrders": (
        "NextToken",
        PageShape(
            key="getOrders",
            records_path=("payload", "Orders"),
            next_token=token_at(("payload", "NextToken")),
            id_path=("AmazonOrderId",),
            time_field=("PurchaseDate",),
            amount_path=("OrderTotal", "Amount"),
            currency_path=("OrderTotal", "CurrencyCode"),
        ),
    ),
    "searchOrders": (
        "paginationToken",
        PageShape(
            key="searchOrders",
            records_path=("orders",),
            next_token=token_at(("pagination", "nextToken")),
            id_path=("orderId",),
            time_field=("createdTime",),
            amount_path=("proceeds", "grandTotal", "amount"),
            currency_path=("proceeds", "grandTotal", "currencyCode"),
        ),
    ),
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body: Any = {"errors": [{"code": code, "message": message, "details": details}]}


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidInput", message)


def params_of(request: Request) -> dict[str, list[str]]:
    """Query parameters with Swagger-2 CSV arrays split after URL-decoding (reference appendix)."""
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).extend(v for v in value.split(",") if v != "")
    return out


def one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return ",".join(values) if values else None


def parse_time(value: str, name: str) -> int:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} is not a valid ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def page_size(params: dict[str, list[str]], name: str, default: int) -> int:
    raw = one(params, name)
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if not 1 <= size <= 100:
        raise invalid(f"{name} must be between 1 and 100")
    return size


class Pager:
    """Stateless page tokens: the resolved query, the offset and the issue time, HMAC-signed."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def make(self, body: dict[str, Any]) -> str:
        raw = base64.urlsafe_b64encode(json.dumps(body, sort_keys=True).encode()).decode()
        mac = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{raw}.{mac}"

    def read(self, token: str, name: str) -> dict[str, Any]:
        raw, _, mac = token.partition(".")
        good = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(mac, good):
            raise invalid(f"Invalid {name}")
        try:
            body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw.encode()))
        except ValueError:
            raise invalid(f"Invalid {name}") from None
        return body


def window(
    params: dict[str, list[str]], now: float, names: tuple[str, str, str, str]
) -> dict[str, Any]:
    """Validate the created/updated After-Before pair (exactly one After; Before >= After and at
    least 2 minutes ago) and resolve it to ``{"field", "after", "before"}``."""
    c_after, c_before, u_after, u_before = (one(params, n) for n in names)
    if (c_after is None) == (u_after is None):
        raise invalid(f"Exactly one of {names[0]} and {names[2]} must be specified")
    if c_after is not None and (u_before is not None):
        raise invalid(f"{names[3]} cannot be combined with {names[0]}")
    if u_after is not None and (c_before is not None):
        raise invalid(f"{names[1]} cannot be combined with {names[2]}")
    created = c_after is not None
    after = parse_time(c_after or u_after or "", names[0] if created else names[2])
    before_raw = c_before if created else u_before
    before_name = names[1] if created else names[3]
    latest = int(now) - PAST
    before = parse_time(before_raw, before_name) if before_raw else latest
    if before > latest:
        raise invalid(f"{before_name} must be at least 2 minutes before the time of the request")
    if after > latest:
        raise invalid("The After date must be at least 2 minutes before the time of the request")
    if before < after:
        raise invalid(f"{before_name} must be after the After date")
    return {"field": "created" if created else "updated", "after": after, "before": before}


def select(data: AmazonData, q: dict[str, Any], index: AmazonData | None = None) -> list[Order]:
    """The orders a query finds. A ``LastUpdated`` window is matched against ``index`` (the
    lagging search index, sandbox.asof) and answered with the current orders; a ``Created``
    window reads the current orders directly."""
    key = "created" if q["field"] == "created" else "updated"
    if key == "updated" and index is not None:
        hits = {o.id for o in index.orders if q["after"] <= o.updated < q["before"]}
        q = {**q, "after": -(2**62), "before": 2**62, "ids": [*(q.get("ids") or ())]}
        wanted = set(q["ids"])
        q["ids"] = sorted(hits & wanted if wanted else hits) or ["none"]
    statuses = set(q.get("statuses") or ())
    channels = set(q.get("channels") or ())
    ids = set(q.get("ids") or ())
    markets = set(q["markets"])
    out = [
        o
        for o in data.orders
        if o.marketplace in markets
        and q["after"] <= getattr(o, key) < q["before"]
        and (not statuses or o.status in statuses)
        and (not channels or o.channel in channels)
        and (not ids or o.id in ids)
    ]
    return sorted(out, key=lambda o: (getattr(o, key), o.id))


def routes(emu: AmazonEmulator) -> list[Route]:
    pager = Pager(hashlib.sha256(f"amazon-pages:{emu.config.seed}".encode()).digest())

    def limit_header(operation: str) -> str:
        return f"{RATES[operation][0] * emu.time_scale:.6g}"

    def seller_of(request: Request) -> AmazonData:
        token = request.headers.get("x-amz-access-token")
        if not token:
            raise ApiError(403, "Unauthorized", "Access to requested resource is denied.",
                           "Access token is missing in the request header.")  # fmt: skip
        access = emu.state.access.get(token)
        if access is None or access.revoked:
            raise ApiError(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided is revoked, malformed or invalid.",
            )
        if access.expires <= emu.now():
            raise ApiError(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided has expired.")  # fmt: skip
        return emu.data(access.persona_id)

    def operation(
        name: str, handler: Callable[[Request, AmazonData, dict[str, list[str]]], Any]
    ) -> Any:
        async def endpoint(request: Request) -> Response:
            headers = {"x-amzn-RequestId": str(uuid.uuid4())}
            faults = emu.faults.get(PLATFORM)
            outcome = await faults.before() if faults else None
            try:
                if outcome == "error" and faults:
                    raise ApiError(
                        faults.status,
                        "InternalFailure",
                        "We encountered an internal error. Please try again.",
                    )
                if outcome in RATE_LIMIT_KINDS and faults:
                    if outcome == "rate_limit_retry_after":
                        # not documented for SP-API (reference 3d): checks clients that honour it
                        headers["Retry-After"] = f"{faults.retry_after_s:g}"
                    return JSONResponse({"errors": [QUOTA]}, status_code=429, headers=headers)
                data = seller_of(request)
                rate, burst = RATES[name]
                key = (emu.app.application_id, data.persona.selling_partner_id, name)
                if outcome == "rate_limit" or not emu.state.take(
                    key, rate * emu.time_scale, burst, emu.now()
                ):
                    return JSONResponse({"errors": [QUOTA]}, status_code=429, headers=headers)
                params = params_of(request)
                static = match(
                    emu.reference,
                    name,
                    {**params, **{k: [v] for k, v in request.path_params.items()}},
                )
                if static is not None:
                    if static.status in (200, 400, 404):
                        headers["x-amzn-RateLimit-Limit"] = limit_header(name)
                    return JSONResponse(static.response, status_code=static.status, headers=headers)
                body = handler(request, data, params)
            except ApiError as error:
                if error.status in (400, 404):
                    headers["x-amzn-RateLimit-Limit"] = limit_header(name)
                return JSONResponse(error.body, status_code=error.status, headers=headers)
            headers["x-amzn-RateLimit-Limit"] = limit_header(name)
            paging = PAGED.get(name)
            if paging is not None and isinstance(body, dict):
                token = request.query_params.get(paging[0]) or None
                body = paged(faults, PLATFORM, paging[1], token, body)
            return broken(faults, outcome, JSONResponse(body, headers=headers))

        return endpoint

    def markets(
        data: AmazonData, params: dict[str, list[str]], name: str, required: bool
    ) -> list[str]:
        given = params.get(name)
        if not given:
            if required:
                raise invalid(f"{name} is required")
            return list(data.persona.marketplaces)
        if len(given) > 50:
            raise invalid(f"{name} accepts at most 50 values")
        return given

    def get_orders(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        market_ids = markets(data, params, "MarketplaceIds", True)
        token = one(params, "NextToken")
        size = page_size(params, "MaxResultsPerPage", 100)
        if token:
            q = pager.read(token, "NextToken")
            if q.get("op") != "getOrders" or q.get("seller") != data.persona.selling_partner_id:
                raise invalid("Invalid NextToken")
            # The token carries the first request's page size unless the caller sends one again.
            size = page_size(params, "MaxResultsPerPage", int(q.get("size", 100)))
        else:
            q = window(
                params,
                emu.now(),
                ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore"),
            )
            for n, key in (
                ("OrderStatuses", "statuses"),
                ("FulfillmentChannels", "channels"),
                ("AmazonOrderIds", "ids"),
            ):
                q[key] = params.get(n) or []
            q.update(
                op="getOrders",
                seller=data.persona.selling_partner_id,
                markets=market_ids,
                offset=0,
                size=size,
            )
        found = select(data, q, emu.index_data(data.persona.id))
        offset = int(q["offset"])
        page = found[offset : offset + size]
        payload: dict[str, Any] = {"Orders": [render.order_v0(o) for o in page]}
        if offset + size < len(found):
            payload["NextToken"] = pager.make({**q, "offset": offset + size})
        payload["CreatedBefore" if q["field"] == "created" else "LastUpdatedBefore"] = render.iso(
            q["before"]
        )
        return {"payload": payload}

    def order_or_404(data: AmazonData, order_id: str) -> Order:
        order = data.by_id.get(order_id)
        if order is None:
            raise ApiError(404, "NotFound", "Order not found", order_id)
        return order

    def get_order(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        return {"payload": render.order_v0(order_or_404(data, request.path_params["orderId"]))}

    def included(params: dict[str, list[str]]) -> frozenset[str]:
        values = frozenset(params.get("includedData") or ())
        allowed = {"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION",
                   "FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS"}  # fmt: skip
        if not values <= allowed:
            raise invalid("includedData has an unknown value")
        return values

    def search_orders(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        wanted = included(params)
        size = page_size(params, "maxResultsPerPage", 100)
        # Reference 3c: the other parameters must be repeated unchanged with the token.
        raw = {
            k: v
            for k, v in params.items()
            if k not in ("maxResultsPerPage", "includedData", "paginationToken")
        }
        token = one(params, "paginationToken")
        if token:
            q = pager.read(token, "paginationToken")
            if q.get("op") != "searchOrders" or q.get("seller") != data.persona.selling_partner_id:
                raise invalid("Invalid paginationToken")
            if q["raw"] != raw:
                raise invalid("Parameters must not change while paging with paginationToken")
            if emu.now() - q["issued"] > TOKEN_TTL:
                raise invalid("The paginationToken has expired")
        else:
            q = window(
                params,
                emu.now(),
                ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore"),
            )
            statuses = params.get("fulfillmentStatuses") or []
            if not set(statuses) <= set(V0_TO_2026) | {
                "PENDING_AVAILABILITY",
                "PARTIALLY_SHIPPED",
                "UNFULFILLABLE",
            }:
                raise invalid("fulfillmentStatuses has an unknown value")
            by = params.get("fulfilledBy") or []
            if not set(by) <= {"MERCHANT", "AMAZON"}:
                raise invalid("fulfilledBy has an unknown value")
            q["statuses"] = [V0_TO_2026[s] for s in statuses if s in V0_TO_2026] if statuses else []
            if statuses and not q["statuses"]:
                q["statuses"] = ["none"]
            q["channels"] = [{"MERCHANT": "MFN", "AMAZON": "AFN"}[b] for b in by]
            q.update(
                op="searchOrders",
                seller=data.persona.selling_partner_id,
                raw=raw,
                markets=markets(data, params, "marketplaceIds", False),
                offset=0,
                issued=emu.now(),
            )
        found = select(data, q, emu.index_data(data.persona.id))
        offset = int(q["offset"])
        page = found[offset : offset + size]
        body: dict[str, Any] = {"orders": [render.order_v2026(o, wanted) for o in page]}
        if offset + size < len(found):
            body["pagination"] = {"nextToken": pager.make({**q, "offset": offset + size})}
        body["createdBefore" if q["field"] == "created" else "lastUpdatedBefore"] = render.iso(
            q["before"]
        )
        return body

    def get_order_2026(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        order = order_or_404(data, request.path_params["orderId"])
        return {"order": render.order_v2026(order, included(params))}

    def posted_window(
        params: dict[str, list[str]], after_name: str, before_name: str
    ) -> tuple[int, int]:
        after_raw, before_raw = one(params, after_name), one(params, before_name)
        if after_raw is None:
            raise ApiError(
                400, "InvalidInput", "Start date cannot be null", "Start date cannot be null"
            )
        after = parse_time(after_raw, after_name)
        latest = int(emu.now()) - PAST
        before = parse_time(before_raw, before_name) if before_raw else latest
        if before > latest:
            raise invalid(
                f"{before_name} must be at least 2 minutes before the time of the request"
            )
        if before <= after:
            raise invalid(f"{before_name} must be after {after_name}")
        return after, before

    def list_transactions(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        token = one(params, "nextToken")
        if token:
            q = pager.read(token, "nextToken")
            if (
                q.get("op") != "listTransactions"
                or q.get("seller") != data.persona.selling_partner_id
            ):
                raise invalid("Invalid nextToken")
        else:
            after, before = posted_window(params, "postedAfter", "postedBefore")
            q = {
                "op": "listTransactions",
                "seller": data.persona.selling_partner_id,
                "after": after,
                "before": before,
                "market": one(params, "marketplaceId"),
                "offset": 0,
            }
        if q["before"] - q["after"] > 180 * 86400:
            found = []  # reference 4: windows over 180 days give an empty result
        else:
            found = [t for t in data.transactions if q["after"] <= t.posted < q["before"]
                     and (q["market"] is None or t.marketplace == q["market"])]  # fmt: skip
        offset = int(q["offset"])
        page = found[offset : offset + TRANSACTIONS_PAGE]
        payload: dict[str, Any] = {
            "transactions": [render.transaction(t, data.persona.selling_partner_id) for t in page]
        }
        if offset + TRANSACTIONS_PAGE < len(found):
            payload["nextToken"] = pager.make({**q, "offset": offset + TRANSACTIONS_PAGE})
        return {"payload": payload}

    def list_groups(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        size = page_size(params, "MaxResultsPerPage", 10)
        token = one(params, "NextToken")
        if token:
            q = pager.read(token, "NextToken")
            if (
                q.get("op") != "listFinancialEventGroups"
                or q.get("seller") != data.persona.selling_partner_id
            ):
                raise invalid("Invalid NextToken")
        else:
            latest = int(emu.now()) - PAST
            after_raw = one(params, "FinancialEventGroupStartedAfter")
            before_raw = one(params, "FinancialEventGroupStartedBefore")
            after = parse_time(after_raw, "FinancialEventGroupStartedAfter") if after_raw else 0
            before = (
                parse_time(before_raw, "FinancialEventGroupStartedBefore") if before_raw else latest
            )
            if before > latest:
                raise invalid(
                    "FinancialEventGroupStartedBefore must be at least 2 minutes before now"
                )
            q = {"op": "listFinancialEventGroups", "seller": data.persona.selling_partner_id,
                 "after": after, "before": before, "offset": 0}  # fmt: skip
        found = [g for g in data.groups if q["after"] <= g.start < q["before"]]
        if after_raw_given(params) and q["before"] - q["after"] > 180 * 86400:
            found = []
        offset = int(q["offset"])
        payload: dict[str, Any] = {
            "FinancialEventGroupList": [
                render.event_group(g) for g in found[offset : offset + size]
            ]
        }
        if offset + size < len(found):
            payload["NextToken"] = pager.make({**q, "offset": offset + size})
        return {"payload": payload}

    def after_raw_given(params: dict[str, list[str]]) -> bool:
        return one(params, "FinancialEventGroupStartedAfter") is not None

    def group_events(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        size = page_size(params, "MaxResultsPerPage", 100)
        group = next((g for g in data.groups if g.id == request.path_params["eventGroupId"]), None)
        if group is None:
            raise invalid("Invalid eventGroupId")
        token = one(params, "NextToken")
        offset = int(pager.read(token, "NextToken")["offset"]) if token else 0
        page = group.transactions[offset : offset + size]
        events: dict[str, Any] = {
            "ShipmentEventList": [render.shipment_event(t) for t in page if t.kind == "Shipment"],
            "RefundEventList": [render.shipment_event(t) for t in page if t.kind == "Refund"],
        }
        payload: dict[str, Any] = {"FinancialEvents": events}
        if offset + size < len(group.transactions):
            payload["NextToken"] = pager.make({"op": "group", "offset": offset + size})
        return {"payload": payload}

    def participations(request: Request, data: AmazonData, params: dict[str, list[str]]) -> Any:
        # MEDIUM: the public Sellers API v1 shape (not among the reference models).
        return {
            "payload": [
                {
                    "marketplace": {
                        "id": m.id,
                        "countryCode": "GB" if m.country == "UK" else m.country,
                        "name": m.name,
                        "defaultCurrencyCode": m.currency,
                        "defaultLanguageCode": m.language,
                        "domainName": m.domain,
                    },
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                }
                for m in (MARKETPLACES[i] for i in data.persona.marketplaces)
            ]
        }

    return [
        Route("/orders/v0/orders", operation("getOrders", get_orders)),
        Route("/orders/v0/orders/{orderId}", operation("getOrder", get_order)),
        Route("/orders/2026-01-01/orders", operation("searchOrders", search_orders)),
        Route("/orders/2026-01-01/orders/{orderId}", operation("getOrder2026", get_order_2026)),
        Route(
            "/finances/2024-06-19/transactions", operation("listTransactions", list_transactions)
        ),
        Route(
            "/finances/v0/financialEventGroups", operation("listFinancialEventGroups", list_groups)
        ),
        Route(
            "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
            operation("listFinancialEventsByGroupId", group_events),
        ),
        Route(
            "/sellers/v1/marketplaceParticipations",
            operation("getMarketplaceParticipations", participations),
        ),
    ]
