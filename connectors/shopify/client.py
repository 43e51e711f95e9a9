"""The Shopify Admin API client for one store: GraphQL queries, token refresh, cost, errors.

Every GraphQL call: wait until the cost bucket can pay for the query (``CostBucket``), send with
``X-Shopify-Access-Token``, map the answer. ``THROTTLED`` waits for the bucket to refill and
asks again, without failing the sync (bounded by ``config.max_throttle_wait_s``); HTTP 429,
5xx and transport failures are retried under the ``RetryPolicy``. HTTP 401 means the app was
uninstalled or the token revoked (``NeedsReauth``), unless the token is an expiring one: then
it is refreshed once (``TokenRefresher``: serialised, persisted before use) and the call
retried. 403 names the missing scope.

The shop domain is checked in the constructor: an invalid one never gets as far as a request.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from connectors.core.errors import (
    AuthExpired,
    BadRecord,
    Fatal,
    NeedsReauth,
    RateLimited,
    Retriable,
)
from connectors.core.http import RetryPolicy, send, with_retries
from connectors.core.pii import redact
from connectors.core.records import StreamItem, TokenSet
from connectors.core.streams import JSON, RequestSpec, Window, run_stream
from connectors.core.timestamps import Clock, utc_now
from connectors.core.tokens import TokenRefresher, TokenStore
from connectors.shopify import auth, models
from connectors.shopify.config import ShopifyConfig
from connectors.shopify.errors import InvalidCredentials
from connectors.shopify.models import ShopInfo
from connectors.shopify.queries import PRODUCTS_COUNT_QUERY, SHOP_QUERY, WindowField
from connectors.shopify.shop_domain import normalize_shop_domain
from connectors.shopify.streams import (
    SCOPE_ORDERS,
    SCOPE_PRODUCTS,
    ShopifyOrders,
    ShopifyOrdersUpdated,
)
from connectors.shopify.throttle import Cost, CostBucket, Sleep

PLATFORM = "shopify"

_SCOPE_IN_MESSAGE = re.compile(r"\b((?:read|write)_[a-z_]+)\b")
_REVOKED = (
    "Shopify rejected the access token: the app was uninstalled or the token revoked; "
    "the merchant must connect the store again"
)


class ShopifyClient:
    """One store's connection: ``shop`` is its myshopify domain, ``tokens`` its token store."""

    def __init__(
        self,
        config: ShopifyConfig,
        http: httpx.AsyncClient,
        shop: str,
        tokens: TokenStore,
        *,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.shop = normalize_shop_domain(shop)
        self._config = config
        self._http = http
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._bucket = CostBucket(clock, sleep)
        self._refresher = TokenRefresher(tokens, self._refresh, clock=clock, platform=PLATFORM)

    @property
    def refresh_count(self) -> int:
        """How many refreshes this client performed."""
        return self._refresher.refresh_count

    @property
    def throttle_wait_s(self) -> float:
        """Seconds this client spent waiting for the GraphQL cost bucket."""
        return self._bucket.waited_s

    @staticmethod
    def visible_days(scopes: Iterable[str]) -> int | None:
        """Days of order history visible with ``scopes``: 60, or ``None`` (all)."""
        return models.visible_days(scopes)

    async def _refresh(self, refresh_token: str) -> TokenSet:
        return await with_retries(
            lambda: auth.refresh(
                self._http, self._config, self.shop, refresh_token, clock=self._clock
            ),
            self._retry,
        )

    # -- the call path ----------------------------------------------------------------------

    async def graphql(
        self, document: str, variables: Mapping[str, Any] | None = None, *, scope: str, kind: str
    ) -> JSON:
        """One GraphQL query; the whole response body (``data``, ``extensions``)."""
        body: JSON = {"query": document, "variables": dict(variables or {})}
        url = self._config.graphql_url(self.shop)
        return await self._authorized(
            lambda tokens: self._graphql_once(url, body, tokens, scope, kind)
        )

    async def rest_get(self, url: str, *, scope: str) -> JSON:
        """One REST GET (for the unversioned ``access_scopes.json``)."""
        return await self._authorized(lambda tokens: self._rest_once(url, tokens, scope))

    async def _authorized(self, once: Callable[[TokenSet], Awaitable[JSON]]) -> JSON:
        async def attempt(tokens: TokenSet) -> JSON:
            return await with_retries(lambda: once(tokens), self._retry)

        tokens = await self._refresher.current()
        try:
            return await attempt(tokens)
        except AuthExpired:
            fresh = await self._refresher.refresh_after(tokens)
        try:
            return await attempt(fresh)
        except AuthExpired as exc:  # refresh once only: a fresh token rejected means revoked
            raise NeedsReauth(_REVOKED, platform=PLATFORM, code=exc.code) from exc

    async def _graphql_once(
        self, url: str, body: JSON, tokens: TokenSet, scope: str, kind: str
    ) -> JSON:
        waited = 0.0
        while True:
            waited += await self._bucket.before(kind)
            request = self._http.build_request(
                "POST",
                url,
                json=body,
                headers=self._headers(tokens),
                timeout=self._config.timeout_s,
            )
            response = await send(
                self._http, request, platform=PLATFORM, deadline=self._retry.deadline
            )
            payload = check_http(response, tokens=tokens, scope=scope)
            cost = Cost.from_extensions(payload.get("extensions"))
            self._bucket.observe(kind, cost)
            if not is_throttled(payload):
                check_graphql(payload, scope=scope, secrets=(tokens.access_token,))
                return payload
            delay = cost.wait_for(cost.requested) if cost is not None else 1.0
            if waited + delay > self._config.max_throttle_wait_s:
                raise RateLimited(
                    f"Shopify kept throttling for {waited:.0f} s",
                    retry_after=delay,
                    platform=PLATFORM,
                )
            await self._bucket.wait(delay)
            waited += delay

    async def _rest_once(self, url: str, tokens: TokenSet, scope: str) -> JSON:
        request = self._http.build_request(
            "GET", url, headers=self._headers(tokens), timeout=self._config.timeout_s
        )
        response = await send(self._http, request, platform=PLATFORM, deadline=self._retry.deadline)
        return check_http(response, tokens=tokens, scope=scope)

    @staticmethod
    def _headers(tokens: TokenSet) -> dict[str, str]:
        return {"x-shopify-access-token": tokens.access_token, "accept": "application/json"}

    # -- endpoints ----------------------------------------------------------------------------

    async def shop_info(self) -> ShopInfo:
        """Creation date, currency and plan of the shop (no scope needed)."""
        body = await self.graphql(SHOP_QUERY, scope="", kind="shop")
        shop = (body.get("data") or {}).get("shop")
        if not isinstance(shop, Mapping):
            raise Fatal("Shopify answered the shop query without a shop", platform=PLATFORM)
        try:
            return models.shop_from_graphql(shop, self.shop)
        except BadRecord as exc:
            raise Fatal(f"shop info: {exc.message}", platform=PLATFORM) from exc

    async def product_count(self) -> int:
        """Number of products in the shop (``read_products``)."""
        body = await self.graphql(PRODUCTS_COUNT_QUERY, scope=SCOPE_PRODUCTS, kind="products_count")
        count = ((body.get("data") or {}).get("productsCount") or {}).get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise Fatal("Shopify answered productsCount without a count", platform=PLATFORM)
        return count

    async def access_scopes(self) -> tuple[str, ...]:
        """The scopes the token actually holds (``/admin/oauth/access_scopes.json``)."""
        body = await self.rest_get(self._config.access_scopes_url(self.shop), scope="")
        scopes = body.get("access_scopes")
        if not isinstance(scopes, list):
            raise Fatal("Shopify answered access_scopes without a list", platform=PLATFORM)
        return tuple(
            s["handle"]
            for s in scopes
            if isinstance(s, Mapping) and isinstance(s.get("handle"), str)
        )

    async def verify_token(self) -> ShopInfo:
        """Check a pasted Admin API token before it is saved: the shop, with ``scopes`` filled.

        Raises ``InvalidCredentials`` when Shopify rejects the token or it cannot read orders.
        """
        try:
            scopes = await self.access_scopes()
            info = await self.shop_info()
        except InvalidCredentials:
            raise
        except NeedsReauth as exc:
            raise InvalidCredentials(
                "Shopify did not accept this access token for this store: check the store "
                "domain and paste the Admin API access token again",
                platform=PLATFORM,
                code=exc.code,
            ) from exc
        if SCOPE_ORDERS not in scopes and "write_orders" not in scopes:
            raise InvalidCredentials(
                "this access token cannot read orders: give the app the read_orders scope "
                "(and read_all_orders for more than 60 days of history)",
                platform=PLATFORM,
                code="missing_scope",
            )
        return ShopInfo(
            shop_id=info.shop_id,
            domain=info.domain,
            name=info.name,
            created_at=info.created_at,
            currency=info.currency,
            plan=info.plan,
            partner_development=info.partner_development,
            shopify_plus=info.shopify_plus,
            scopes=scopes,
        )

    def orders(
        self,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
        *,
        by: WindowField = "created_at",
    ) -> AsyncGenerator[StreamItem, None]:
        """Orders (and their refunds) whose ``by`` time is in ``[start, end)``.

        Yields records, ``Quarantined`` and a ``Checkpoint`` per page (stream ``orders`` or,
        with ``by="updated_at"``, ``orders_updated``). Older than the visible window
        (``visible_days``) Shopify silently returns nothing: that is not zero sales.
        """
        kind = ShopifyOrders if by == "created_at" else ShopifyOrdersUpdated
        stream = kind(shop=self.shop, page_size=self._config.page_size)

        async def fetch(spec: RequestSpec) -> JSON:
            assert spec.json is not None
            return await self.graphql(
                spec.json["query"], spec.json["variables"], scope=stream.scope, kind=stream.name
            )

        return run_stream(stream, fetch, Window(start, end), state)


# -- answer mapping ------------------------------------------------------------------------------


def check_http(response: httpx.Response, *, tokens: TokenSet, scope: str) -> JSON:
    """The decoded body of a 2xx answer, or the connector error the status means."""
    status = response.status_code
    secrets = (tokens.access_token,)
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    if 200 <= status < 300:
        if not isinstance(payload, dict):
            raise Retriable(
                f"Shopify answered HTTP {status} without a JSON object", platform=PLATFORM
            )
        return payload
    message = _errors_text(payload, secrets)
    kw: dict[str, Any] = {"platform": PLATFORM, "code": status}
    if status == 401:
        if tokens.refresh_token:
            raise AuthExpired("Shopify rejected the access token (expired?)", **kw)
        raise NeedsReauth(_REVOKED, **kw)
    if status == 403:
        missing = _SCOPE_IN_MESSAGE.search(message)
        name = missing.group(1) if missing else (scope or "an access scope")
        raise NeedsReauth(f"Shopify denied access: missing permission {name}", **kw)
    if status == 429:
        raise RateLimited("Shopify rate limit hit", retry_after=_retry_after(response), **kw)
    if status >= 500:
        raise Retriable(f"Shopify transient error (HTTP {status})", **kw)
    if status == 402:
        raise Fatal("the Shopify store is frozen (unpaid plan): no data until it is paid", **kw)
    if status == 423:
        raise Fatal("the Shopify store is locked", **kw)
    if status == 404:
        raise Fatal("Shopify has no such store or API version (HTTP 404)", **kw)
    raise Fatal(f"Shopify error (HTTP {status}): {message}", **kw)


def is_throttled(payload: Mapping[str, Any]) -> bool:
    return any(_error_code(e) == "THROTTLED" for e in _errors(payload))


def check_graphql(payload: Mapping[str, Any], *, scope: str, secrets: tuple[str, ...]) -> None:
    """Raise for GraphQL ``errors`` in a 200 answer (access denied, cost too high, bad query)."""
    errors = _errors(payload)
    if not errors:
        if not isinstance(payload.get("data"), Mapping):
            raise Fatal("Shopify answered a query without data", platform=PLATFORM)
        return
    first = errors[0]
    code = _error_code(first)
    message = redact(str(first.get("message", ""))[:200], *secrets)
    if code == "ACCESS_DENIED":
        missing = _SCOPE_IN_MESSAGE.search(message)
        name = missing.group(1) if missing else (scope or "an access scope")
        raise NeedsReauth(
            f"Shopify denied access: missing permission {name}", platform=PLATFORM, code=code
        )
    if code == "MAX_COST_EXCEEDED":
        raise Fatal(
            f"Shopify query too expensive, lower page_size: {message}", platform=PLATFORM, code=code
        )
    if code in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"):
        raise Retriable(f"Shopify GraphQL {code}", platform=PLATFORM, code=code)
    raise Fatal(
        f"Shopify GraphQL error {code or ''}: {message}".strip(), platform=PLATFORM, code=code
    )


def _errors(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    errors = payload.get("errors")
    if isinstance(errors, list):
        return [e for e in errors if isinstance(e, Mapping)] or ([{}] if errors else [])
    if errors:  # REST style: a string or an object
        return [{"message": str(errors)}]
    return []


def _error_code(error: Mapping[str, Any]) -> str | None:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return code if isinstance(code, str) else None


def _errors_text(payload: Any, secrets: tuple[str, ...]) -> str:
    if isinstance(payload, Mapping):
        errors = payload.get("errors", payload.get("error", ""))
        text = errors if isinstance(errors, str) else str(errors)
    else:
        text = ""
    return redact(text[:200], *secrets)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
