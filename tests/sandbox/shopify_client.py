"""Helpers for the Shopify sandbox tests: a tiny client with its own HMAC code (never the
connector's, never the sandbox's), so the tests check the sandbox against the reference.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
from tts_client import ANCHOR, ANCHOR_TS, DAY, Clock

from sandbox.config import SandboxConfig, ShopifyAppConfig
from sandbox.server import create_sandbox_app

__all__ = ["ANCHOR", "ANCHOR_TS", "DAY", "Clock"]

CLIENT_ID = "sbx_shopify_client_7d41c0"
CLIENT_SECRET = "sbx_shopify_secret_9a2e5b1f"
REDIRECT = "http://127.0.0.1:8000/api/shopify/callback"
VERSION = "2026-07"
PERSONAS = {
    "shopify_steady": "steady-goods.myshopify.com",
    "shopify_growing": "rising-tide.myshopify.com",
    "shopify_declining": "fading-trends.myshopify.com",
    "shopify_new": "fresh-start.myshopify.com",
    "shopify_high_refunds": "bounce-back.myshopify.com",
    "shopify_eu": "berlin-brew.myshopify.com",
}
ORDER_FIELDS = """
id name createdAt updatedAt processedAt cancelledAt cancelReason test displayFinancialStatus
displayFulfillmentStatus currencyCode
totalPriceSet { shopMoney { amount currencyCode } }
subtotalPriceSet { shopMoney { amount currencyCode } }
totalTaxSet { shopMoney { amount currencyCode } }
totalShippingPriceSet { shopMoney { amount currencyCode } }
totalRefundedSet { shopMoney { amount currencyCode } }
refunds { id createdAt totalRefundedSet { shopMoney { amount currencyCode } } }
customer { id }
"""
ORDERS_QUERY = (
    "query Orders($first: Int!, $after: String, $q: String) {"
    " orders(first: $first, after: $after, query: $q, sortKey: CREATED_AT) {"
    f" edges {{ cursor node {{ {ORDER_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)


def callback_hmac(secret: str, params: Mapping[str, str]) -> str:
    """Reference 1.5 written out: drop hmac, sort ``k=v``, join with ``&``, hex HMAC-SHA256."""
    message = "&".join(
        f"{quote(k, safe='')}={quote(v, safe='')}"
        for k, v in sorted(params.items())
        if k not in ("hmac", "signature")
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def webhook_hmac(secret: str, body: bytes) -> str:
    """Reference 5: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def make_config(clock: Clock, **shopify: Any) -> SandboxConfig:
    return SandboxConfig(seed=7, anchor=ANCHOR, clock=clock, shopify=ShopifyAppConfig(**shopify))


def client_for(config: SandboxConfig) -> httpx.AsyncClient:
    app = create_sandbox_app(config)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


class Shopify:
    """A minimal Shopify client for the sandbox under test."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock) -> None:
        self.client, self.clock = client, clock

    @staticmethod
    def admin(shop: str) -> str:
        return f"/shopify/{shop}/admin"

    async def code(self, persona: str, scopes: list[str] | None = None) -> str:
        body: dict[str, Any] = {"persona": persona, "state": "st"}
        if scopes is not None:
            body["scopes"] = scopes
        response = await self.client.post("/_sandbox/shopify/authorize", json=body)
        assert response.status_code == 200, response.text
        code: str = response.json()["code"]
        return code

    async def exchange(
        self, shop: str, body: dict[str, Any], *, form: bool = False
    ) -> httpx.Response:
        url = f"{self.admin(shop)}/oauth/access_token"
        if form:
            return await self.client.post(url, data=body)
        return await self.client.post(url, json=body)

    async def token(
        self, persona: str, scopes: list[str] | None = None, *, expiring: bool = False
    ) -> dict[str, Any]:
        code = await self.code(persona, scopes)
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
        if expiring:
            body["expiring"] = "1"
        response = await self.exchange(PERSONAS[persona], body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def access_token(self, persona: str, scopes: list[str] | None = None) -> str:
        token: str = (await self.token(persona, scopes))["access_token"]
        return token

    async def graphql(
        self,
        shop: str,
        token: str,
        query: str,
        variables: dict[str, Any] | None = None,
        version: str = VERSION,
    ) -> httpx.Response:
        return await self.client.post(
            f"{self.admin(shop)}/api/{version}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
        )

    async def rest(
        self, shop: str, token: str, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url = path if path.startswith(("http", "/")) else f"{self.admin(shop)}/api/{VERSION}/{path}"
        return await self.client.get(url, params=params, headers={"X-Shopify-Access-Token": token})

    async def pull_graphql(
        self, shop: str, token: str, first: int, query: str | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every order node across pages, and every page's body."""
        nodes: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        after = None
        while True:
            variables = {"first": first, "after": after, "q": query}
            body = (await self.graphql(shop, token, ORDERS_QUERY, variables)).json()
            assert "errors" not in body, body
            pages.append(body)
            connection = body["data"]["orders"]
            nodes.extend(edge["node"] for edge in connection["edges"])
            if not connection["pageInfo"]["hasNextPage"]:
                return nodes, pages
            after = connection["pageInfo"]["endCursor"]
            assert len(pages) < 5_000, "paging does not end"

    async def pull_rest(
        self, shop: str, token: str, params: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = []
        response = await self.rest(shop, token, "orders.json", params)
        while True:
            assert response.status_code == 200, response.text
            orders.extend(response.json()["orders"])
            links = response.headers.get("link", "")
            nexts = [part for part in links.split(", ") if part.endswith('rel="next"')]
            if not nexts:
                return orders
            url = nexts[0].split(";")[0].strip("<>")
            # The link is absolute: keep the path and query, the ASGI client has the host.
            parts = urlsplit(url)
            response = await self.rest(shop, token, f"{parts.path}?{parts.query}")
            assert len(orders) < 100_000


def gid_number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1])
