"""TikTok Shop authorization: consent URLs and the token get/refresh calls.

The token endpoints are GETs on the auth host with ``app_key``/``app_secret`` in the query, a
``{code, message, data}`` envelope, ``grant_type=authorized_code`` (sic) and absolute-timestamp
expiries. authlib's ``AsyncOAuth2Client`` would need a custom client-auth method, renamed
parameters, a non-standard grant type and a compliance hook rewriting the whole response, so
plain httpx is clearer here. Nothing in this module logs or raises with a token or the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from connectors.core.errors import BadRecord, Fatal, NeedsReauth, Retriable
from connectors.core.http import send
from connectors.core.pii import redact
from connectors.core.records import AccountRole, TokenSet
from connectors.core.timestamps import from_unix
from connectors.tiktok_shop.config import TikTokShopConfig

PLATFORM = "tiktok_shop"

_USER_TYPES = {0: AccountRole.SELLER, 1: AccountRole.CREATOR}

_TOKEN_ERRORS = {
    36004005: "TikTok Shop has no authorization for this code or refresh token "
    "(revoked, already used or expired): the seller must authorize again",
    36004001: "the TikTok Shop refresh token expired: the seller must authorize again",
}


def authorization_url(config: TikTokShopConfig, state: str, *, creator: bool = False) -> str:
    """The consent page to send a seller (``service_id``) or a creator (``app_key``) to."""
    if creator:
        query = urlencode({"app_key": config.app_key, "state": state})
        return f"{config.creator_authorize_url}?{query}"
    query = urlencode({"service_id": config.service_id, "state": state})
    return f"{config.authorize_url}?{query}"


async def exchange_code(http: httpx.AsyncClient, config: TikTokShopConfig, code: str) -> TokenSet:
    """Exchange the callback's ``code`` for tokens (single use, valid 30 minutes)."""
    params = {
        "app_key": config.app_key,
        "app_secret": config.app_secret,
        "auth_code": code,
        "grant_type": "authorized_code",
    }
    return await _token_call(http, config, "/api/v2/token/get", params, secrets=(code,))


async def refresh(
    http: httpx.AsyncClient, config: TikTokShopConfig, refresh_token: str
) -> TokenSet:
    """Refresh tokens; the caller must persist the result before using it (it may rotate)."""
    params = {
        "app_key": config.app_key,
        "app_secret": config.app_secret,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }
    return await _token_call(
        http, config, "/api/v2/token/refresh", params, secrets=(refresh_token,)
    )


async def _token_call(
    http: httpx.AsyncClient,
    config: TikTokShopConfig,
    path: str,
    params: dict[str, str],
    *,
    secrets: tuple[str, ...],
) -> TokenSet:
    url = config.auth_base_url.rstrip("/") + path
    request = http.build_request("GET", url, params=params, timeout=config.timeout_s)
    response = await send(http, request, platform=PLATFORM)
    hidden = (config.app_secret, *secrets)
    try:
        body = response.json()
    except ValueError as exc:
        if response.status_code >= 500:
            raise Retriable(
                f"token endpoint HTTP {response.status_code}", platform=PLATFORM
            ) from exc
        raise Fatal(
            f"token endpoint answered HTTP {response.status_code} without JSON", platform=PLATFORM
        ) from exc
    code = body.get("code") if isinstance(body, Mapping) else None
    if code in _TOKEN_ERRORS:
        raise NeedsReauth(_TOKEN_ERRORS[code], platform=PLATFORM, code=code)
    if response.status_code >= 500 or code in (36009003, 36009007):
        raise Retriable(f"token endpoint HTTP {response.status_code}", platform=PLATFORM, code=code)
    if code != 0 or response.status_code >= 400:
        message = (
            redact(str(body.get("message", ""))[:200], *hidden) if isinstance(body, Mapping) else ""
        )
        raise Fatal(
            f"token endpoint error {code} (HTTP {response.status_code}): {message}",
            platform=PLATFORM,
            code=code if isinstance(code, int) else None,
        )
    return parse_token_data(body.get("data"))


def parse_token_data(data: Any) -> TokenSet:
    """Map the ``data`` of a token get/refresh response to a ``TokenSet``."""
    if not isinstance(data, Mapping):
        raise Fatal("token response has no data object", platform=PLATFORM)
    try:
        access = data["access_token"]
        if not isinstance(access, str) or not access:
            raise Fatal("token response has no access_token", platform=PLATFORM)
        refresh_token = data.get("refresh_token") or None
        refresh_expiry = data.get("refresh_token_expire_in")
        scopes = data.get("granted_scopes") or ()
        user_type = data.get("user_type", 0)
        if user_type not in _USER_TYPES:
            raise Fatal(f"unsupported TikTok user_type {user_type!r}", platform=PLATFORM)
        return TokenSet(
            access_token=access,
            access_expires_at=from_unix(data["access_token_expire_in"]),
            refresh_token=str(refresh_token) if refresh_token else None,
            refresh_expires_at=from_unix(refresh_expiry) if refresh_expiry else None,
            scopes=tuple(str(scope) for scope in scopes),
            account_id=_opt_str(data.get("open_id")),
            account_name=_opt_str(data.get("seller_name")),
            region=_opt_str(data.get("seller_base_region")),
            role=_USER_TYPES[user_type],
        )
    except KeyError as exc:
        raise Fatal(f"token response lacks {exc.args[0]!r}", platform=PLATFORM) from exc
    except BadRecord as exc:
        raise Fatal(f"token response: {exc.message}", platform=PLATFORM) from exc


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
