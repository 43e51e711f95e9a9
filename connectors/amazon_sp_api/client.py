"""The Amazon SP-API client for one seller in one region: LWA tokens, throttling, error mapping.

Every call waits for the (seller, operation) token bucket, sends ``x-amz-access-token``, and maps
the answer:

* 429 ``QuotaExceeded``: empty the bucket and retry after it refills, backing off further on
  each consecutive 429; a sync is never failed by throttling unless one request has waited
  ``max_throttle_wait_s`` in total (then ``RateLimited``).
* 403/401 whose details say the token expired: refresh once and retry; any other 403/401
  (revoked, invalid): ``NeedsReauth``.
* 5xx and transport failures: ``Retriable``, retried under the ``RetryPolicy``.
* 400: ``Fatal`` (our request is wrong). 404: not found (``order`` answers ``None``).

Bodies are decoded with JSON numbers as ``Decimal`` (Finances sends amounts as numbers).
No Restricted Data Token is ever requested.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncGenerator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from connectors.amazon_sp_api import auth, models
from connectors.amazon_sp_api.config import AmazonConfig, RatePlan
from connectors.amazon_sp_api.streams import (
    INCLUDED_DATA,
    AmazonStream,
    FinancialEventGroups,
    OrdersV0,
    OrdersV0Updated,
    OrderTime,
    SearchOrders,
    SearchOrdersUpdated,
    Transactions,
    iso,
)
from connectors.amazon_sp_api.throttle import Sleep, Throttle
from connectors.core.errors import (
    AuthExpired,
    BadRecord,
    ConnectorError,
    Fatal,
    NeedsReauth,
    RateLimited,
    Retriable,
)
from connectors.core.http import RetryPolicy, send, with_retries
from connectors.core.pii import redact
from connectors.core.records import Checkpoint, OrderRecord, StreamItem, TokenSet
from connectors.core.streams import JSON, RequestSpec, Window, run_stream
from connectors.core.timestamps import Clock, to_unix, utc_now
from connectors.core.tokens import TokenRefresher, TokenStore

PLATFORM = "amazon"

BEFORE_MARGIN = timedelta(minutes=2, seconds=30)
"""Amazon rejects a Before less than 2 minutes ago; the margin absorbs clock skew."""

MAX_FINANCE_WINDOW = timedelta(days=180)

_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_BACKOFF_S = 300.0


class NotFound(ConnectorError):
    """The SP-API answered 404 for the resource."""


class AmazonClient:
    """One seller's authorization in one region (an authorization covers the whole region)."""

    def __init__(
        self,
        config: AmazonConfig,
        http: httpx.AsyncClient,
        seller_id: str,
        region: str,
        tokens: TokenStore,
        *,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not seller_id:
            raise ValueError("seller_id must not be empty")
        self._config = config
        self._http = http
        self.seller_id = seller_id
        self.region = region.upper()
        self._base_url = config.base_url(self.region)
        self._tokens = tokens
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self.throttle = Throttle(clock, sleep)
        self._refresher = TokenRefresher(tokens, self._refresh, clock=clock, platform=PLATFORM)

    @property
    def refresh_count(self) -> int:
        return self._refresher.refresh_count

    # -- tokens -----------------------------------------------------------------------------

    async def _refresh(self, refresh_token: str) -> TokenSet:
        stale = await self._tokens.load()
        fresh = await with_retries(
            lambda: auth.refresh(self._http, self._config, refresh_token, clock=self._clock),
            self._retry,
        )
        # LWA answers only tokens: keep the authorization's identity and yearly deadline
        return dataclasses.replace(
            fresh,
            refresh_expires_at=stale.refresh_expires_at,
            account_id=stale.account_id or self.seller_id,
            region=stale.region or self.region,
        )

    async def _current_tokens(self) -> TokenSet:
        stored = await self._tokens.load()
        if stored.account_id and stored.account_id != self.seller_id:
            raise Fatal(
                "the stored Amazon tokens belong to another seller than this connection",
                platform=PLATFORM,
            )
        deadline = stored.refresh_expires_at
        if deadline is not None and deadline <= self._clock():
            raise NeedsReauth(
                f"the seller's Amazon authorization expired on {deadline.date().isoformat()} "
                "(authorizations must be renewed every 365 days): authorize again",
                platform=PLATFORM,
            )
        return await self._refresher.current()

    # -- calls ------------------------------------------------------------------------------

    async def call(
        self, operation: str, path: str, params: Mapping[str, str] | None = None
    ) -> JSON:
        """One GET (``path`` relative to the regional base), throttled, retried, refreshed."""
        tokens = await self._current_tokens()
        try:
            return await self._throttled(operation, path, params, tokens)
        except AuthExpired:
            fresh = await self._refresher.refresh_after(tokens)
        try:
            return await self._throttled(operation, path, params, fresh)
        except AuthExpired as exc:  # refresh once only: never loop on a rejected token
            raise NeedsReauth(
                "Amazon rejected a freshly refreshed access token as expired",
                platform=PLATFORM,
                code=exc.code,
            ) from exc

    async def _throttled(
        self,
        operation: str,
        path: str,
        params: Mapping[str, str] | None,
        tokens: TokenSet,
    ) -> JSON:
        plan = self._config.rate(operation)
        throttled = 0
        backoff_total = 0.0
        while True:
            waited = await self.throttle.acquire(self.seller_id, operation, plan)
            if throttled:
                backoff_total += waited
            response, body = await with_retries(
                lambda: self._send(path, params, tokens), self._retry
            )
            if response.status_code != 429:
                self.throttle.observe_limit(
                    self.seller_id,
                    operation,
                    plan,
                    response.headers.get("x-amzn-RateLimit-Limit"),
                )
                return self._check(response, body, tokens)
            throttled += 1
            backoff_total += await self._back_off(operation, plan, throttled, backoff_total)

    async def _back_off(
        self, operation: str, plan: RatePlan, throttled: int, so_far: float
    ) -> float:
        refill = self.throttle.throttled(self.seller_id, operation, plan)
        extra = min(_MAX_BACKOFF_S, refill * ((1 << min(throttled - 1, 20)) - 1))
        if so_far + extra + refill > self._config.max_throttle_wait_s:
            raise RateLimited(
                f"Amazon kept throttling {operation} after {so_far:.0f} s of backoff",
                retry_after=refill,
                platform=PLATFORM,
                code="QuotaExceeded",
            )
        await self.throttle.wait(extra)
        return extra

    async def _send(
        self, path: str, params: Mapping[str, str] | None, tokens: TokenSet
    ) -> tuple[httpx.Response, Any]:
        """One attempt: the answer and its decoded body (``None`` when it is not JSON).

        5xx and a success whose body is not JSON (cut short on the way) are ``Retriable``.
        """
        request = self._http.build_request(
            "GET",
            self._base_url + path,
            params=dict(params or {}),
            headers={
                "x-amz-access-token": tokens.access_token,
                "user-agent": self._config.user_agent,
                "accept": "application/json",
            },
            timeout=self._config.timeout_s,
        )
        response = await send(self._http, request, platform=PLATFORM, deadline=self._retry.deadline)
        status = response.status_code
        if status >= 500:
            raise Retriable(f"Amazon HTTP {status}", platform=PLATFORM)
        try:
            body = json.loads(response.content or b"null", parse_float=Decimal)
        except ValueError:
            if status < 300:
                raise Retriable(
                    f"Amazon answered HTTP {status} with a body that is not JSON",
                    platform=PLATFORM,
                ) from None
            body = None
        return response, body

    def _check(self, response: httpx.Response, body: Any, tokens: TokenSet) -> JSON:
        status = response.status_code
        if status < 300 and isinstance(body, dict):
            return body
        code, message, details = _first_error(body, tokens.access_token)
        if status in (401, 403):
            if "expired" in details.lower() or "expired" in message.lower():
                raise AuthExpired("Amazon access token expired", platform=PLATFORM, code=code)
            raise NeedsReauth(
                f"Amazon denied access ({code}: {details or message}): the seller must "
                "authorize again",
                platform=PLATFORM,
                code=code,
            )
        if status == 404:
            raise NotFound(f"Amazon: not found ({code})", platform=PLATFORM, code=code)
        if status < 300:
            raise Fatal(f"Amazon answered HTTP {status} without a JSON object", platform=PLATFORM)
        raise Fatal(
            f"Amazon error {code} (HTTP {status}): {message} {details}".strip(),
            platform=PLATFORM,
            code=code,
        )

    # -- endpoints --------------------------------------------------------------------------

    async def marketplaces(self) -> list[models.Marketplace]:
        """The marketplaces the seller participates in (Sellers API v1)."""
        body = await self.call(
            "getMarketplaceParticipations", "/sellers/v1/marketplaceParticipations"
        )
        return models.marketplaces_from_participations(body)

    async def order(self, order_id: str) -> OrderRecord | None:
        """One order of this seller, or ``None`` when Amazon has none under this id for it.

        Amazon scopes getOrder to the seller of the access token, so another seller's order
        is a 404 (``None``), as is an id that is not an order number at all. A 200 with an
        empty payload (seen in the wild, reference 3b) is ``None`` too. Raises ``BadRecord``
        if the order exists but cannot be mapped.
        """
        if not _ORDER_ID.match(order_id):
            return None
        quoted = quote(order_id, safe="")
        try:
            if self._config.orders_api == "v0":
                body = await self.call("getOrderV0", f"/orders/v0/orders/{quoted}")
                raw = body.get("payload")
                mapper = models.order_from_v0
                key = "AmazonOrderId"
            else:
                body = await self.call(
                    "getOrder",
                    f"/orders/2026-01-01/orders/{quoted}",
                    {"includedData": ",".join(INCLUDED_DATA)},
                )
                raw = body.get("order")
                mapper = models.order_from_v2026
                key = "orderId"
        except NotFound:
            return None
        except Fatal as exc:
            if exc.code == "InvalidInput":
                return None
            raise
        if not isinstance(raw, Mapping) or not raw.get(key):
            return None
        if str(raw[key]) != order_id:
            return None
        try:
            return mapper(raw, self.seller_id)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRecord(f"order {order_id}: unexpected shape ({type(exc).__name__})") from exc

    def orders(
        self,
        marketplace_ids: Sequence[str],
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
        *,
        by: OrderTime = "created",
    ) -> AsyncGenerator[StreamItem, None]:
        """Orders created (or, with ``by="updated"``, last updated) in ``[start, end)`` in the
        marketplaces, page by page; stream ``orders`` or ``orders_updated``."""
        if not marketplace_ids:
            raise ValueError("marketplace_ids must not be empty")
        if by not in ("created", "updated"):
            raise ValueError("by must be 'created' or 'updated'")
        page_size = self._config.orders_page_size
        stream: AmazonStream
        updated = by == "updated"
        if self._config.orders_api == "v0":
            v0 = OrdersV0Updated if updated else OrdersV0
            stream = v0(self.seller_id, marketplace_ids, by, page_size)
        else:
            v2026 = SearchOrdersUpdated if updated else SearchOrders
            stream = v2026(self.seller_id, marketplace_ids, by, page_size)
        query = {
            "api": self._config.orders_api,
            "by": by,
            "marketplaces": sorted(marketplace_ids),
        }
        return self._run(stream, start, end, state, query)

    def transactions(
        self,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        """Finance transactions posted in ``[start, end)`` (at most 180 days)."""
        if end - start > MAX_FINANCE_WINDOW:
            raise ValueError("listTransactions windows are at most 180 days")
        return self._run(Transactions(self.seller_id), start, end, state, {"api": "2024-06-19"})

    def financial_event_groups(
        self,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        """Payouts (Finances v0 event groups) started in ``[start, end)`` (at most 180 days)."""
        if end - start > MAX_FINANCE_WINDOW:
            raise ValueError("financial event group windows are at most 180 days")
        stream = FinancialEventGroups(self.seller_id)
        return self._run(stream, start, end, state, {"api": "finances-v0"})

    async def _run(
        self,
        stream: AmazonStream,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None,
        query: dict[str, Any],
    ) -> AsyncGenerator[StreamItem, None]:
        window = _resume_window(start, end, self._clock(), state, query)
        if window is None:
            yield Checkpoint(stream.name, {"query": query, "window": None}, done=True)
            return

        async def fetch(spec: RequestSpec) -> JSON:
            return await self.call(stream.operation, spec.path, spec.params)

        inner_state = state if state and state.get("query") == query else None
        async for item in run_stream(stream, fetch, window, inner_state):
            if isinstance(item, Checkpoint):
                yield Checkpoint(item.stream, {**item.state, "query": query}, done=item.done)
            else:
                yield item


def _resume_window(
    start: datetime,
    end: datetime,
    now: datetime,
    state: Mapping[str, Any] | None,
    query: Mapping[str, Any],
) -> Window | None:
    """The window to page through: a resumable state's window when it fits the request,
    else ``[start, min(end, now - margin))``; ``None`` when that is empty.

    Resuming keeps the stored window (its end was moved into the past when the pull began)
    because a page token is only valid with the exact query it came from.
    """
    if state and state.get("query") == query and not state.get("done"):
        stored = state.get("window")
        if (
            isinstance(stored, Mapping)
            and stored.get("start") == to_unix(start)
            and isinstance(stored.get("end"), int)
            and stored["end"] <= to_unix(end)
        ):
            return Window(start, datetime.fromtimestamp(stored["end"], tz=UTC))
    effective_end = min(end, now - BEFORE_MARGIN)
    if effective_end <= start:
        return None
    return Window(start, effective_end.replace(microsecond=0))


def _first_error(body: Any, access_token: str) -> tuple[str, str, str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, Mapping):
        first = {}

    def text(key: str) -> str:
        return redact(str(first.get(key) or "")[:200], access_token)

    return text("code") or "unknown", text("message"), text("details")


__all__ = ["AmazonClient", "NotFound", "iso"]
