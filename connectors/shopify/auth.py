"""Shopify app authorization: the authorize URL, callback verification, token exchange and refresh.

Token calls are ``POST {admin}/admin/oauth/access_token`` with a JSON body (reference 1.7, 1.8):
``{client_id, client_secret, code, expiring}`` for a code, ``{client_id, client_secret,
grant_type: "refresh_token", refresh_token}`` for a refresh. Expiring offline tokens last 3600 s
and come with a rotating refresh token that has its own expiry; the caller must persist a
refreshed ``TokenSet`` before using it (``TokenRefresher`` does). Non-expiring tokens (legacy
public apps, custom apps) get ``access_expires_at = NEVER_EXPIRES``.

Why not authlib's ``AsyncOAuth2Client``: the token endpoint is per shop, the code exchange needs
the non-standard ``expiring`` field, its lock/``update_token`` hook would duplicate the core
``TokenRefresher`` (which already persists rotated tokens before use), its expiry maths reads
``time.time()`` instead of our injectable clock, and its ``OAuthError`` would be mapped to our
errors anyway: two small POSTs in plain httpx are clearer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from connectors.core.errors import Fatal, NeedsReauth, RateLimited, Retriable
from connectors.core.http import send
from connectors.core.pii import redact
from connectors.core.records import NEVER_EXPIRES, TokenSet
from connectors.core.timestamps import Clock, utc_now
from connectors.shopify.callback import ShopCallback, verify_callback, verify_signed_query
from connectors.shopify.config import ShopifyConfig
from connectors.shopify.shop_domain import normalize_shop_domain

__all__ = [
    "ShopCallback",
    "authorization_url",
    "exchange_code",
    "parse_token_response",
    "refresh",
    "verify_callback",
    "verify_signed_query",
]

PLATFORM = "shopify"

_OAUTH_ERRORS = {
    "invalid_grant": "Shopify no longer accepts this refresh token or code (expired, revoked or "
    "already used): the merchant must connect the store again",
    "invalid_request": "Shopify did not find the authorization code or it was already used: "
    "the merchant must connect the store again",
    "invalid_client": "Shopify rejected the app's client credentials, or the app was "
    "uninstalled from the store: the merchant must connect the store again",
    "unauthorized_client": "Shopify does not allow this app to use this grant for the store",
}


def authorization_url(config: ShopifyConfig, shop: str, state: str, redirect_uri: str) -> str:
    """The install/consent page on the shop's admin, for an offline token (no grant_options)."""
    if not state:
        raise ValueError("state must be a non-empty nonce bound to the borrower")
    query = urlencode(
        {
            "client_id": config.client_id,
            "scope": ",".join(config.scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{config.admin_base_url(normalize_shop_domain(shop))}/admin/oauth/authorize?{query}"


async def exchange_code(
    http: httpx.AsyncClient,
    config: ShopifyConfig,
    shop: str,
    code: str,
    *,
    expiring: bool,
    clock: Clock = utc_now,
) -> TokenSet:
    """Exchange a verified callback's single-use ``code`` for an offline token.

    With ``expiring=True`` the token lasts an hour and comes with a rotating refresh token.
    """
    body = {
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "code": code,
        "expiring": "1" if expiring else "0",  # a string, as shopify-app-js sends it
    }
    return await _token_call(http, config, shop, body, secrets=(code,), clock=clock)


async def refresh(
    http: httpx.AsyncClient,
    config: ShopifyConfig,
    shop: str,
    refresh_token: str,
    *,
    clock: Clock = utc_now,
) -> TokenSet:
    """New tokens for an expiring offline token; persist them before use (the refresh rotates)."""
    body = {
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return await _token_call(http, config, shop, body, secrets=(refresh_token,), clock=clock)


async def _token_call(
    http: httpx.AsyncClient,
    config: ShopifyConfig,
    shop: str,
    body: dict[str, str],
    *,
    secrets: tuple[str, ...],
    clock: Clock,
) -> TokenSet:
    domain = normalize_shop_domain(shop)
    request = http.build_request(
        "POST",
        config.token_url(domain),
        json=body,
        headers={"accept": "application/json"},
        timeout=config.timeout_s,
    )
    response = await send(http, request, platform=PLATFORM)
    status = response.status_code
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if status >= 500:
        raise Retriable(f"Shopify token endpoint HTTP {status}", platform=PLATFORM, code=status)
    if status == 429:
        raise RateLimited(
            "Shopify token endpoint rate limited",
            retry_after=_retry_after(response),
            platform=PLATFORM,
            code=status,
        )
    if isinstance(error, str) and error in _OAUTH_ERRORS:
        raise NeedsReauth(_OAUTH_ERRORS[error], platform=PLATFORM, code=error)
    if status in (401, 403):
        raise NeedsReauth(
            f"Shopify refused the token request (HTTP {status}): the app may have been "
            "uninstalled; the merchant must connect the store again",
            platform=PLATFORM,
            code=status,
        )
    if status >= 400 or not isinstance(payload, Mapping):
        detail = ""
        if isinstance(payload, Mapping):
            text = str(payload.get("error_description") or payload.get("errors") or error or "")
            detail = ": " + redact(text[:200], config.client_secret, *secrets)
        raise Fatal(f"Shopify token endpoint HTTP {status}{detail}", platform=PLATFORM, code=status)
    return parse_token_response(payload, domain, clock=clock)


def parse_token_response(payload: Mapping[str, Any], shop: str, *, clock: Clock) -> TokenSet:
    """Map a token response (expiring or not) to a ``TokenSet`` whose account is the shop."""
    access = payload.get("access_token")
    if not isinstance(access, str) or not access:
        raise Fatal("Shopify token response has no access_token", platform=PLATFORM)
    now = clock()
    expires_in = _seconds(payload.get("expires_in"), "expires_in")
    refresh_token = payload.get("refresh_token")
    if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token):
        raise Fatal("Shopify token response has an unusable refresh_token", platform=PLATFORM)
    refresh_in = _seconds(payload.get("refresh_token_expires_in"), "refresh_token_expires_in")
    scope = payload.get("scope") or ""
    if not isinstance(scope, str):
        raise Fatal("Shopify token response scope is not a string", platform=PLATFORM)
    return TokenSet(
        access_token=access,
        access_expires_at=NEVER_EXPIRES
        if expires_in is None
        else now + timedelta(seconds=expires_in),
        refresh_token=refresh_token,
        refresh_expires_at=None if refresh_in is None else now + timedelta(seconds=refresh_in),
        scopes=parse_scopes(scope),
        account_id=shop,
        account_name=None,
    )


def parse_scopes(scope: str) -> tuple[str, ...]:
    """``"read_orders,read_all_orders"`` → ``("read_orders", "read_all_orders")``."""
    return tuple(part.strip() for part in scope.split(",") if part.strip())


def _seconds(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Fatal(f"Shopify token response {name} is not a number of seconds", platform=PLATFORM)
    text = str(value).strip()
    if not text.isdigit():
        raise Fatal(f"Shopify token response {name} is not a number of seconds", platform=PLATFORM)
    return int(text)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
