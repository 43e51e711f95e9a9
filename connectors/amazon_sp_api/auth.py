"""Amazon website authorization: consent URL, callback parsing, LWA code exchange and refresh,
and the yearly re-authorization deadline.

LWA is a plain OAuth token endpoint with a form body (reference 1.3-1.6); the refresh token does
not rotate. Errors: ``invalid_grant`` means the code or the seller's authorization is gone
(``NeedsReauth``); ``invalid_client``/``unauthorized_client`` mean our own credentials are wrong
(``Fatal``). Nothing raised or logged here contains a token, code or the client secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from connectors.amazon_sp_api.config import AmazonConfig
from connectors.core.errors import ConnectorError, Fatal, NeedsReauth, Retriable
from connectors.core.http import send
from connectors.core.pii import redact
from connectors.core.records import TokenSet
from connectors.core.timestamps import Clock, utc_now

PLATFORM = "amazon"

AUTHORIZATION_LIFETIME = timedelta(days=365)
"""A public app's authorization must be renewed by the seller every 365 days (reference 1.5)."""


class InvalidCallback(ConnectorError):
    """The redirect back from Seller Central is unusable (missing fields, wrong state)."""


@dataclass(frozen=True, slots=True)
class AmazonCallback:
    code: str
    selling_partner_id: str
    state: str

    def __repr__(self) -> str:
        return (
            f"AmazonCallback(selling_partner_id={self.selling_partner_id!r}, code=***, state=***)"
        )


def consent_url(
    config: AmazonConfig, state: str, *, redirect_uri: str | None = None, beta: bool = False
) -> str:
    """The Seller Central consent page for ``state`` (``beta`` only for apps still in Draft)."""
    if not state:
        raise ValueError("state must not be empty")
    query: dict[str, str] = {"application_id": config.application_id, "state": state}
    if redirect_uri:
        query["redirect_uri"] = redirect_uri
    if beta:
        query["version"] = "beta"
    return f"{config.consent_url.rstrip('/')}/apps/authorize/consent?{urlencode(query)}"


def parse_callback(
    query: Mapping[str, str], *, expected_state: str | None = None
) -> AmazonCallback:
    """The fields of the redirect back; ``expected_state``, when given, must match exactly."""
    if query.get("error"):
        raise InvalidCallback(
            f"the seller did not authorize the app ({str(query['error'])[:60]})", platform=PLATFORM
        )
    missing = [
        name for name in ("spapi_oauth_code", "selling_partner_id", "state") if not query.get(name)
    ]
    if missing:
        raise InvalidCallback(f"callback lacks {', '.join(missing)}", platform=PLATFORM)
    callback = AmazonCallback(
        code=query["spapi_oauth_code"],
        selling_partner_id=query["selling_partner_id"],
        state=query["state"],
    )
    if expected_state is not None and callback.state != expected_state:
        raise InvalidCallback("callback state does not match this authorization", platform=PLATFORM)
    return callback


def check_seller(expected_seller_id: str | None, callback: AmazonCallback) -> None:
    """A re-authorization must come from the seller the connection belongs to."""
    if expected_seller_id and callback.selling_partner_id != expected_seller_id:
        raise InvalidCallback(
            "the authorization came from a different Amazon seller account than this connection's",
            platform=PLATFORM,
        )


async def exchange_code(
    http: httpx.AsyncClient,
    config: AmazonConfig,
    code: str,
    redirect_uri: str | None,
    *,
    selling_partner_id: str | None = None,
    region: str | None = None,
    clock: Clock = utc_now,
) -> TokenSet:
    """Exchange ``spapi_oauth_code`` (single use, 5 minutes) for tokens.

    ``refresh_expires_at`` is set to the yearly re-authorization deadline, so the token seam
    turns an expired authorization into ``NeedsReauth`` without calling Amazon.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": config.lwa_client_id,
        "client_secret": config.lwa_client_secret,
    }
    if redirect_uri:
        form["redirect_uri"] = redirect_uri
    now = clock()
    body = await _token_call(http, config, form, secrets=(code,), grant="code")
    return _token_set(
        body,
        now,
        refresh_expires_at=now + AUTHORIZATION_LIFETIME,
        account_id=selling_partner_id,
        region=region,
    )


async def refresh(
    http: httpx.AsyncClient,
    config: AmazonConfig,
    refresh_token: str,
    *,
    clock: Clock = utc_now,
) -> TokenSet:
    """A new access token; the refresh token comes back unchanged (no rotation).

    The result carries no ``refresh_expires_at``/``account_id``: the caller keeps those.
    """
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": config.lwa_client_id,
        "client_secret": config.lwa_client_secret,
    }
    now = clock()
    body = await _token_call(http, config, form, secrets=(refresh_token,), grant="refresh_token")
    return _token_set(body, now, refresh_expires_at=None, fallback_refresh=refresh_token)


async def _token_call(
    http: httpx.AsyncClient,
    config: AmazonConfig,
    form: dict[str, str],
    *,
    secrets: tuple[str, ...],
    grant: str,
) -> Mapping[str, Any]:
    request = http.build_request(
        "POST",
        config.lwa_token_url,
        data=form,
        headers={"content-type": "application/x-www-form-urlencoded;charset=UTF-8"},
        timeout=config.timeout_s,
    )
    response = await send(http, request, platform=PLATFORM)
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        if status >= 500:
            raise Retriable(f"LWA token endpoint HTTP {status}", platform=PLATFORM)
        raise Fatal(f"LWA token endpoint answered HTTP {status} without JSON", platform=PLATFORM)
    if status < 400 and "error" not in body:
        return body
    error = str(body.get("error", ""))[:60]
    hidden = (config.lwa_client_secret, *secrets)
    description = redact(str(body.get("error_description", ""))[:200], *hidden)
    if error == "invalid_grant":
        what = (
            "the authorization code is invalid, expired or already used: authorize again"
            if grant == "code"
            else "the seller revoked or did not renew the authorization: authorize again"
        )
        raise NeedsReauth(
            f"Login with Amazon: {what} ({description})", platform=PLATFORM, code=error
        )
    if error in ("invalid_client", "unauthorized_client"):
        raise Fatal(
            f"Login with Amazon rejected our client credentials ({error}: {description}): check "
            "the LWA client id and secret (the secret must be rotated every 180 days)",
            platform=PLATFORM,
            code=error,
        )
    if error in ("server_error", "temporarily_unavailable") or status >= 500:
        raise Retriable(f"Login with Amazon {error or status}", platform=PLATFORM, code=error)
    if error == "access_denied":
        raise NeedsReauth(f"Login with Amazon: access denied ({description})", platform=PLATFORM)
    raise Fatal(
        f"Login with Amazon error {error or status}: {description}", platform=PLATFORM, code=error
    )


def _token_set(
    body: Mapping[str, Any],
    now: datetime,
    *,
    refresh_expires_at: datetime | None,
    fallback_refresh: str | None = None,
    account_id: str | None = None,
    region: str | None = None,
) -> TokenSet:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise Fatal("LWA token response has no access_token", platform=PLATFORM)
    expires_in = body.get("expires_in", 3600)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | str):
        raise Fatal("LWA token response has a bad expires_in", platform=PLATFORM)
    try:
        seconds = int(expires_in)
    except ValueError:
        raise Fatal("LWA token response has a bad expires_in", platform=PLATFORM) from None
    refresh_token = body.get("refresh_token") or fallback_refresh
    return TokenSet(
        access_token=access,
        access_expires_at=now + timedelta(seconds=seconds),
        refresh_token=str(refresh_token) if refresh_token else None,
        refresh_expires_at=refresh_expires_at,
        account_id=account_id,
        region=region,
    )


@dataclass(frozen=True, slots=True)
class AuthorizationExpiry:
    """Where a seller's yearly authorization stands at ``now``."""

    expires_at: datetime
    expired: bool
    expiring_soon: bool
    """Not yet expired but within the warning period: ask the seller to re-authorize."""
    remaining: timedelta


def authorization_expiry(
    authorized_at: datetime,
    *,
    now: datetime,
    warn_before: timedelta = timedelta(days=30),
) -> AuthorizationExpiry:
    """When an authorization granted at ``authorized_at`` expires, and whether to warn now."""
    if authorized_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware datetimes")
    expires_at = authorized_at + AUTHORIZATION_LIFETIME
    remaining = expires_at - now
    expired = remaining <= timedelta(0)
    return AuthorizationExpiry(
        expires_at=expires_at,
        expired=expired,
        expiring_soon=not expired and remaining <= warn_before,
        remaining=max(remaining, timedelta(0)),
    )
