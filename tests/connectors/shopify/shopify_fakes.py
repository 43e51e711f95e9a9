"""A tiny fake Shopify for the connector's unit tests, behind ``httpx.MockTransport``.

It serves the GraphQL ``shop``/``productsCount``/``orders`` queries (cursor paging over a list
of order nodes, the ``created_at``/``updated_at`` window of the search string, a cost bucket on
a fake clock that answers THROTTLED when empty), ``access_scopes.json`` and the token endpoint
(codes, expiring tokens, rotating refresh tokens). ``script`` queues canned answers that are
returned first, for error-mapping tests. Every request is logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from connectors.core.http import RetryPolicy
from connectors.core.records import NEVER_EXPIRES, TokenSet
from connectors.core.tokens import MemoryTokenStore
from connectors.shopify import ShopifyClient, ShopifyConfig

SHOP = "steady-goods.myshopify.com"
NOW = datetime(2026, 5, 1, tzinfo=UTC)
CONFIG = ShopifyConfig(client_id="cid_123", client_secret="csecret_456", page_size=10)
ADMIN = f"https://{SHOP}"


class FakeClock:
    """A clock whose ``sleep`` advances it (nothing really waits)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def order_node(n: int, created: datetime, **overrides: Any) -> dict[str, Any]:
    """A GraphQL order node as the agreed query returns it."""
    node: dict[str, Any] = {
        "id": f"gid://shopify/Order/{1000 + n}",
        "name": f"#{1000 + n}",
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": (created + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "processedAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cancelledAt": None,
        "cancelReason": None,
        "test": False,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED",
        "currencyCode": "USD",
        "totalPriceSet": money(f"{10 + n}.50"),
        "subtotalPriceSet": money(f"{8 + n}.50"),
        "totalTaxSet": money("1.00"),
        "totalShippingPriceSet": money("1.00"),
        "totalRefundedSet": money("0.00"),
        "refunds": [],
        "customer": {"id": f"gid://shopify/Customer/{500 + n % 7}"},
    }
    node.update(overrides)
    return node


def token_set(*, expiring: bool = False, scopes: tuple[str, ...] = CONFIG.scopes) -> TokenSet:
    if expiring:
        return TokenSet(
            "shpat_access_0",
            NOW + timedelta(hours=1),
            "shprt_refresh_0",
            NOW + timedelta(days=90),
            scopes,
            SHOP,
        )
    return TokenSet("shpat_access_0", NEVER_EXPIRES, None, None, scopes, SHOP)


Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeShopify:
    clock: FakeClock
    orders: list[dict[str, Any]] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=lambda: {"shpat_access_0"})
    refresh_tokens: dict[str, int] = field(default_factory=lambda: {"shprt_refresh_0": 0})
    codes: set[str] = field(default_factory=lambda: {"code-1"})
    scopes: tuple[str, ...] = ("read_orders", "read_products", "read_all_orders")
    bucket_max: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    refill_at: datetime = NOW
    script: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    throttled: int = 0
    generation: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)
        path = request.url.path
        if path == "/admin/oauth/access_token":
            return self.token(request)
        if request.headers.get("x-shopify-access-token") not in self.valid_tokens:
            return httpx.Response(
                401,
                json={
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
            )
        if path == "/admin/oauth/access_scopes.json":
            return httpx.Response(200, json={"access_scopes": [{"handle": s} for s in self.scopes]})
        if re.fullmatch(r"/admin/api/\d{4}-\d{2}/graphql\.json", path):
            return self.graphql(json.loads(request.content))
        return httpx.Response(404, json={"errors": "Not Found"})

    # -- token endpoint ---------------------------------------------------------------------

    def token(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if (
            body.get("client_id") != CONFIG.client_id
            or body.get("client_secret") != CONFIG.client_secret
        ):
            return httpx.Response(401, json={"error": "invalid_client"})
        if body.get("grant_type") == "refresh_token":
            if body.get("refresh_token") not in self.refresh_tokens:
                return httpx.Response(400, json={"error": "invalid_grant"})
            del self.refresh_tokens[body["refresh_token"]]
            return self.issue(expiring=True)
        if body.get("code") not in self.codes:
            return httpx.Response(
                400,
                json={
                    "error": "invalid_request",
                    "error_description": "The authorization code was not found or was already used",
                },
            )
        self.codes.discard(body["code"])
        return self.issue(expiring=body.get("expiring") == "1")

    def issue(self, *, expiring: bool) -> httpx.Response:
        self.generation += 1
        access = f"shpat_access_{self.generation}"
        self.valid_tokens.add(access)
        payload: dict[str, Any] = {"access_token": access, "scope": ",".join(self.scopes)}
        if expiring:
            refresh = f"shprt_refresh_{self.generation}"
            self.refresh_tokens[refresh] = self.generation
            payload |= {
                "expires_in": 3600,
                "refresh_token": refresh,
                "refresh_token_expires_in": 7776000,
            }
        return httpx.Response(200, json=payload)

    # -- GraphQL ------------------------------------------------------------------------------

    def cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.bucket_max,
                    "currentlyAvailable": self.available,
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def refill(self) -> None:
        elapsed = (self.clock.now - self.refill_at).total_seconds()
        self.available = min(self.bucket_max, self.available + elapsed * self.restore_rate)
        self.refill_at = self.clock.now

    def graphql(self, body: dict[str, Any]) -> httpx.Response:
        query: str = body["query"]
        variables: dict[str, Any] = body.get("variables") or {}
        self.refill()
        first = int(variables.get("first", 0))
        requested = float(2 + first * 2) if "orders(" in query else 1.0
        if requested > self.available:
            self.throttled += 1
            return httpx.Response(
                200,
                json={
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": self.cost(requested, None),
                },
            )
        if "orders(" in query:
            data, returned = self.orders_page(query, variables, first)
            actual = float(2 + returned * 2)
        elif "productsCount" in query:
            data, actual = {"productsCount": {"count": 42}}, 1.0
        else:
            data, actual = (
                {
                    "shop": {
                        "id": "gid://shopify/Shop/548380009",
                        "name": "Steady Goods",
                        "createdAt": "2024-01-02T03:04:05Z",
                        "currencyCode": "USD",
                        "plan": {
                            "displayName": "Basic",
                            "partnerDevelopment": False,
                            "shopifyPlus": False,
                        },
                    }
                },
                1.0,
            )
        self.available -= actual
        return httpx.Response(200, json={"data": data, "extensions": self.cost(requested, actual)})

    def orders_page(
        self, query: str, variables: dict[str, Any], first: int
    ) -> tuple[dict[str, Any], int]:
        field_name = "updatedAt" if "sortKey: UPDATED_AT" in query else "createdAt"
        search = variables["query"]
        bounds = re.findall(r"(\w+):(>=|<)'([^']+)'", search)
        low = next(v for f, op, v in bounds if op == ">=")
        high = next(v for f, op, v in bounds if op == "<")
        selected = sorted(
            (o for o in self.orders if low <= o[field_name] < high),
            key=lambda o: (o[field_name], o["id"]),
        )
        start = int(variables["after"].split(":")[1]) if variables.get("after") else 0
        page = selected[start : start + first]
        end = start + len(page)
        edges = [{"cursor": f"c:{start + i + 1}", "node": node} for i, node in enumerate(page)]
        info = {"hasNextPage": end < len(selected), "endCursor": f"c:{end}" if page else None}
        return {"orders": {"edges": edges, "pageInfo": info}}, len(page)


def make_client(
    fake: FakeShopify,
    http: httpx.AsyncClient,
    tokens: TokenSet | None = None,
    *,
    config: ShopifyConfig = CONFIG,
    attempts: int = 3,
) -> tuple[ShopifyClient, MemoryTokenStore]:
    store = MemoryTokenStore(tokens or token_set())
    client = ShopifyClient(
        config,
        http,
        SHOP,
        store,
        retry=RetryPolicy.immediate(attempts),
        clock=fake.clock,
        sleep=fake.clock.sleep,
    )
    return client, store
