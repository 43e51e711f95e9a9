"""The Shopify emulator as one Starlette app, mounted at ``/shopify``: each shop's admin lives
under ``/{shop}`` (the full ``*.myshopify.com`` domain), as ``https://{shop}`` does for real.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.fault_answers import broken
from sandbox.fault_pages import PageShape, paged, token_at
from sandbox.shopify import oauth, rest
from sandbox.shopify.admin import (
    CALL_LIMIT,
    AdminError,
    Caller,
    authenticate,
    inject_faults,
    not_found,
    rest_throttle,
    served_version,
)
from sandbox.shopify.emulator import PLATFORM, ShopifyEmulator
from sandbox.shopify.gql_exec import run
from sandbox.shopify.gql_schema import Context
from sandbox.shopify.oauth import error_page
from sandbox.shopify.personas import ShopifyPersona
from sandbox.shopify.state import Bucket

# The GraphQL orders connection gets page and record faults (other queries request faults only).
ORDERS_PAGE = PageShape(
    key="graphql orders",
    records_path=("data", "orders", "edges"),
    next_token=token_at(
        ("data", "orders", "pageInfo", "endCursor"), ("data", "orders", "pageInfo", "hasNextPage")
    ),
    node_path=("node",),
    id_path=("id",),
    time_field=("createdAt",),
    amount_path=("totalPriceSet", "shopMoney", "amount"),
    currency_path=("totalPriceSet", "shopMoney", "currencyCode"),
)

RestHandler = Callable[[Request, Caller], tuple[dict[str, Any], dict[str, str]]]


def create_shopify_app(emu: ShopifyEmulator) -> Starlette:
    page_secret = hashlib.sha256(f"shopify-page-info:{emu.config.seed}".encode()).digest()

    def shop_of(request: Request) -> ShopifyPersona:
        persona = emu.persona_for_shop(request.path_params["shop"])
        if persona is None:
            raise not_found()
        return persona

    async def authorize(request: Request) -> Response:
        persona = emu.persona_for_shop(request.path_params["shop"])
        if persona is None:
            return error_page("There is no store at this address.", 404)
        return await oauth.authorize(request, emu, persona)

    async def access_token(request: Request) -> Response:
        persona = emu.persona_for_shop(request.path_params["shop"])
        if persona is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        return await oauth.access_token(request, emu, persona)

    def rest_route(
        handler: RestHandler, *, versioned: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            headers: dict[str, str] = {}
            outcome: str | None = None
            try:
                if versioned:
                    version = served_version(emu, request.path_params["version"])
                    headers["X-Shopify-API-Version"] = version
                persona = shop_of(request)
                outcome = await inject_faults(emu)
                caller = authenticate(request, emu, persona)
                headers[CALL_LIMIT] = rest_throttle(emu, caller, forced=outcome == "rate_limit")
                body, extra = handler(request, caller)
            except AdminError as error:
                return error.response(headers)
            answer = JSONResponse(body, headers={**headers, **extra})
            return broken(emu.faults.get(PLATFORM), outcome, answer)

        return endpoint

    def list_orders(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        return rest.list_orders(request, emu, caller, page_secret)

    def count_orders(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        return rest.count_orders(request, emu, caller), {}

    def get_order(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        return rest.get_order(request, emu, caller, request.path_params["order_id"]), {}

    def get_shop(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        return rest.get_shop(emu, caller), {}

    def access_scopes(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, str]]:
        return rest.access_scopes(caller), {}

    async def graphql(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            headers["X-Shopify-API-Version"] = served_version(emu, request.path_params["version"])
            persona = shop_of(request)
            outcome = await inject_faults(emu)
            caller = authenticate(request, emu, persona)
            payload = await _graphql_payload(request)
        except AdminError as error:
            return error.response(headers)
        key = (persona.shop, caller.app)
        bucket = emu.state.graphql_buckets.get(key)
        if bucket is None:
            bucket = Bucket(
                emu.app.graphql_bucket_size, emu.app.graphql_restore_per_second, 0.0, caller.now
            )
            emu.state.graphql_buckets[key] = bucket
        ctx = Context(
            emu.data(persona.id),
            caller.grant.scopes,
            caller.visible_from(emu),
            emu.index_data(persona.id).orders_by_id,
        )
        body = run(
            ctx,
            payload,
            bucket,
            caller.now,
            emu.app.graphql_max_query_cost,
            force_throttle=outcome == "rate_limit",
        )
        faults = emu.faults.get(PLATFORM)
        variables = payload.get("variables")
        after = variables.get("after") if isinstance(variables, dict) else None
        token = after if isinstance(after, str) and after else None
        body = paged(faults, PLATFORM, ORDERS_PAGE, token, body)
        return broken(faults, outcome, JSONResponse(body, headers=headers))

    admin = "/{shop}/admin"
    api = admin + "/api/{version}"
    return Starlette(
        routes=[
            Route(f"{admin}/oauth/authorize", authorize, methods=["GET", "POST"]),
            Route(f"{admin}/oauth/access_token", access_token, methods=["POST"]),
            Route(
                f"{admin}/oauth/access_scopes.json",
                rest_route(access_scopes, versioned=False),
                methods=["GET"],
            ),
            Route(f"{api}/graphql.json", graphql, methods=["POST"]),
            Route(f"{api}/orders.json", rest_route(list_orders), methods=["GET"]),
            Route(f"{api}/orders/count.json", rest_route(count_orders), methods=["GET"]),
            Route(f"{api}/orders/{{order_id}}.json", rest_route(get_order), methods=["GET"]),
            Route(f"{api}/shop.json", rest_route(get_shop), methods=["GET"]),
        ]
    )


async def _graphql_payload(request: Request) -> dict[str, Any]:
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/graphql":
        return {"query": raw.decode(errors="replace")}
    try:
        payload = json.loads(raw)
    except ValueError:
        raise AdminError(400, "The request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise AdminError(400, "The request body must be a JSON object")
    return payload
