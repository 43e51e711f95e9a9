"""The TikTok Shop API client: signed calls, token refresh, error mapping, streams.

Every call: wait for the account's rate budget, sign (fresh timestamp per attempt), send, check
the envelope's ``code`` whatever the HTTP status, and map failures to what the caller does next.
``Retriable``/``RateLimited`` are retried under the ``RetryPolicy``; an expired token (105002)
is refreshed once through the ``TokenStore`` under a lock and the call retried; if the fresh
token is rejected as expired too, the connection needs the seller again (``NeedsReauth``).
A window longer than ``slice_days`` is paged in slices side by side, all waiting for the one
rate budget of their account (``run_sliced``).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncGenerator, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from connectors.core.errors import (
    AuthExpired,
    BadRecord,
    Fatal,
    NeedsReauth,
    RateLimited,
    Retriable,
)
from connectors.core.http import RateBudget, RetryPolicy, send, with_retries
from connectors.core.pii import redact
from connectors.core.records import OrderRecord, ShopRecord, StreamItem, TokenSet
from connectors.core.streams import JSON, RequestSpec, Window, run_sliced
from connectors.core.timestamps import Clock, utc_now
from connectors.core.tokens import TokenRefresher, TokenStore
from connectors.tiktok_shop import auth, models
from connectors.tiktok_shop.config import TikTokShopConfig
from connectors.tiktok_shop.signing import TikTokShopSigner
from connectors.tiktok_shop.streams import (
    SCOPE_ORDERS,
    SCOPE_SHOPS,
    CreatorAffiliateOrders,
    Orders,
    OrdersUpdated,
    Returns,
    ReturnsUpdated,
    SellerAffiliateOrders,
    Statements,
    TikTokShopStream,
    TimeField,
)

PLATFORM = "tiktok_shop"

_EXPIRED = 105002
_REVOKED = {105001, 36004001, 36004005}
_MISSING_SCOPE = 105005
_RATE_LIMITED = 36009002
_TRANSIENT = {36009003, 36009007}
_BAD_SIGN = 106001
TOKEN_REUSE = timedelta(seconds=30)
"""How long the client uses the tokens it read before reading the store again."""


def check_response(response: httpx.Response, *, scope: str, secrets: tuple[str, ...] = ()) -> JSON:
    """The decoded body of a successful call, or the connector error its ``code`` means."""
    status = response.status_code
    try:
        # orjson: pages of a hundred orders are large, and the stdlib decoder was a third of
        # the CPU of a backfill (bench.ingestion); the API answers UTF-8 JSON
        body = orjson.loads(response.content)
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        if status < 400:
            # a success cut short (truncated by a proxy or a dropped stream) is transient
            raise Retriable(
                f"TikTok Shop answered HTTP {status} with a body that is not JSON",
                platform=PLATFORM,
            ) from None
        body = None
    envelope = body if isinstance(body, dict) else {}
    code = envelope.get("code")
    if code == 0 and status < 400:
        return envelope
    message = redact(str(envelope.get("message", ""))[:200], *secrets)
    code_kw: dict[str, Any] = {
        "platform": PLATFORM,
        "code": code if isinstance(code, int) else None,
    }
    if code == _EXPIRED:
        raise AuthExpired("TikTok Shop access token expired", **code_kw)
    if code in _REVOKED:
        raise NeedsReauth("TikTok Shop revoked this authorization", **code_kw)
    if code == _MISSING_SCOPE:
        raise NeedsReauth(f"missing permission {scope}", **code_kw)
    if status == 429 or code == _RATE_LIMITED:
        raise RateLimited(
            "TikTok Shop rate limit hit",
            retry_after=_retry_after(response),
            **code_kw,
        )
    if status >= 500 or code in _TRANSIENT:
        raise Retriable(f"TikTok Shop transient error {code} (HTTP {status})", **code_kw)
    if code == _BAD_SIGN:
        raise Fatal(
            "TikTok Shop rejected our request signature (106001): check app_secret and "
            "api_base_url",
            **code_kw,
        )
    if not envelope:
        raise Fatal(f"TikTok Shop answered HTTP {status} without a JSON envelope", **code_kw)
    raise Fatal(f"TikTok Shop error {code} (HTTP {status}): {message}", **code_kw)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class TikTokShopClient:
    """One TikTok Shop connection (one token set: a seller's shops, or a creator)."""

    def __init__(
        self,
        config: TikTokShopConfig,
        http: httpx.AsyncClient,
        tokens: TokenStore,
        *,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._config = config
        self._http = http
        self._retry = retry or RetryPolicy()
        self._signer = TikTokShopSigner(
            config.app_key, config.app_secret, config.api_base_url, clock
        )
        self._budget = RateBudget(config.requests_per_second, headroom=config.rate_headroom)
        # TikTok keeps an access token valid until it expires, a refresh elsewhere included
        self._refresher = TokenRefresher(
            tokens, self._refresh, clock=clock, platform=PLATFORM, reuse=TOKEN_REUSE
        )

    @property
    def refresh_count(self) -> int:
        """How many refreshes this client performed (for tests and metrics)."""
        return self._refresher.refresh_count

    async def _refresh(self, refresh_token: str) -> TokenSet:
        return await with_retries(
            lambda: auth.refresh(self._http, self._config, refresh_token), self._retry
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: JSON | None = None,
        scope: str,
        account: str,
    ) -> JSON:
        """One API call (``path`` relative to the API base), retried and refreshed as needed."""

        async def attempt(tokens: TokenSet) -> JSON:
            return await with_retries(
                lambda: self._send_once(method, path, params, body, tokens, scope, account),
                self._retry,
            )

        tokens = await self._refresher.current()
        try:
            return await attempt(tokens)
        except AuthExpired:
            fresh = await self._refresher.refresh_after(tokens)
        try:
            return await attempt(fresh)
        except AuthExpired as exc:  # refresh once only: never loop on a token the platform rejects
            raise NeedsReauth(
                "TikTok Shop rejected a freshly refreshed access token as expired",
                platform=PLATFORM,
                code=exc.code,
            ) from exc

    async def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: JSON | None,
        tokens: TokenSet,
        scope: str,
        account: str,
    ) -> JSON:
        await self._budget.acquire(account)
        headers = {"x-tts-access-token": tokens.access_token}
        content: bytes | None = None
        if body is not None:
            # serialised once: these exact bytes are signed and sent
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["content-type"] = "application/json"
        request = self._http.build_request(
            method,
            self._config.api_base_url.rstrip("/") + path,
            params=dict(params or {}),
            content=content,
            headers=headers,
            timeout=self._config.timeout_s,
        )
        response = await send(
            self._http, request, auth=self._signer, platform=PLATFORM, deadline=self._retry.deadline
        )
        return check_response(response, scope=scope, secrets=(tokens.access_token,))

    # -- endpoints -------------------------------------------------------------------------

    async def authorized_shops(self) -> list[ShopRecord]:
        """The shops this seller authorized (no ``shop_cipher`` on this endpoint)."""
        path = f"/authorization/{self._config.shops_version}/shops"
        body = await self.call("GET", path, scope=SCOPE_SHOPS, account="authorization")
        shops = (body.get("data") or {}).get("shops") or []
        try:
            return [models.shop_from_raw(raw) for raw in shops]
        except BadRecord as exc:
            raise Fatal(f"authorized shops: {exc.message}", platform=PLATFORM) from exc

    async def order(self, shop: ShopRecord, order_id: str) -> OrderRecord | None:
        """One order by id (to verify a self-reported order), or ``None`` if the shop has none."""
        if not shop.cipher:
            raise ValueError("shop has no cipher")
        path = f"/order/{self._config.order_detail_version}/orders"
        params = {"ids": order_id, "shop_cipher": shop.cipher}
        body = await self.call("GET", path, params=params, scope=SCOPE_ORDERS, account=shop.shop_id)
        for raw in (body.get("data") or {}).get("orders") or []:
            if isinstance(raw, Mapping) and str(raw.get("id")) == order_id:
                return models.order_from_raw(raw, shop.shop_id)
        return None

    def orders(
        self,
        shop: ShopRecord,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
        *,
        by: TimeField = "create_time",
    ) -> AsyncGenerator[StreamItem, None]:
        """Orders whose ``by`` time is in ``[start, end)``, in their current state (stream
        ``orders``, or ``orders_updated`` with ``by="update_time"``)."""
        kind = Orders if _time_field(by) == "create_time" else OrdersUpdated
        return self._run(kind(self._config, shop=shop), start, end, state)

    def statements(
        self,
        shop: ShopRecord,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        return self._run(Statements(self._config, shop=shop), start, end, state)

    def seller_affiliate_orders(
        self,
        shop: ShopRecord,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        return self._run(SellerAffiliateOrders(self._config, shop=shop), start, end, state)

    def creator_affiliate_orders(
        self,
        account_id: str,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[StreamItem, None]:
        stream = CreatorAffiliateOrders(self._config, account_id=account_id)
        return self._run(stream, start, end, state)

    def returns(
        self,
        shop: ShopRecord,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None = None,
        *,
        by: TimeField = "create_time",
    ) -> AsyncGenerator[StreamItem, None]:
        """Returns whose ``by`` time is in ``[start, end)`` (stream ``returns``, or
        ``returns_updated`` with ``by="update_time"``)."""
        kind = Returns if _time_field(by) == "create_time" else ReturnsUpdated
        return self._run(kind(self._config, shop=shop), start, end, state)

    def _run(
        self,
        stream: TikTokShopStream,
        start: datetime,
        end: datetime,
        state: Mapping[str, Any] | None,
    ) -> AsyncGenerator[StreamItem, None]:
        account = stream.shop.shop_id if stream.shop is not None else stream.account_id

        async def fetch(spec: RequestSpec) -> JSON:
            return await self.call(
                spec.method,
                spec.path,
                params=spec.params,
                body=spec.json,
                scope=stream.scope,
                account=account,
            )

        # every slice's requests wait for the one budget of this account (``_send_once``)
        slice_seconds = self._config.slice_days * 86400
        slices = max(1, math.ceil((end - start).total_seconds() / slice_seconds))
        return run_sliced(stream, fetch, Window(start, end), state, slices=slices)


def _time_field(by: str) -> TimeField:
    if by not in ("create_time", "update_time"):
        raise ValueError("by must be 'create_time' or 'update_time'")
    return "create_time" if by == "create_time" else "update_time"
