"""The install flow: the consent page at ``/admin/oauth/authorize`` (reference 1.3), the signed
redirect to the app (1.4, 1.5) and the token endpoint ``/admin/oauth/access_token`` (1.7, 1.8).
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandbox.shopify.emulator import ShopifyEmulator
from sandbox.shopify.personas import ShopifyPersona
from sandbox.shopify.signing import query_hmac
from sandbox.shopify.state import KNOWN_SCOPES, AccessToken, Grant, RefreshToken


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def admin_host(persona: ShopifyPersona) -> str:
    """Unpadded base64 of the admin host, so the value is the same URL-encoded or not (1.5)."""
    raw = f"admin.shopify.com/store/{persona.handle}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


def callback_url(
    secret: str, redirect_uri: str, persona: ShopifyPersona, code: str, state: str, now: float
) -> str:
    params = {
        "code": code,
        "host": admin_host(persona),
        "shop": persona.shop,
        "state": state,
        "timestamp": str(int(now)),
    }
    params["hmac"] = query_hmac(secret, params)
    return with_query(redirect_uri, dict(sorted(params.items())))


def denied_url(redirect_uri: str, state: str) -> str:
    # The reference does not describe a denial; OAuth's access_denied is our choice.
    return with_query(redirect_uri, {"error": "access_denied", "state": state})


class ScopeError(ValueError):
    pass


def parse_scopes(raw: str) -> tuple[str, ...]:
    """Comma-separated scopes, known ones only, in first-seen order without duplicates."""
    scopes: list[str] = []
    for part in raw.split(","):
        scope = part.strip()
        if not scope:
            continue
        if scope not in KNOWN_SCOPES:
            raise ScopeError(f"The scope '{scope}' is not valid for this app.")
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Install {app} - Shopify (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.5rem 1.25rem;margin-right:.75rem}}</style></head>
<body><main>
<h1>Install {app}</h1>
<p>Shopify sandbox. <strong>{app}</strong> wants to connect to <strong>{shop_name}</strong>
(<code>{shop}</code>).</p>
<h2>This app will be able to</h2><ul>{scopes}</ul>
{access}
<form method="post">
{hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>"""


def error_page(message: str, status: int = 400) -> HTMLResponse:
    body = "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Oauth error</title>"
    body += "</head><body><main><h1>Oauth error invalid_request</h1>"
    body += f"<p>{html.escape(message)}</p></main></body></html>"
    return HTMLResponse(body, status_code=status)


async def authorize(request: Request, emu: ShopifyEmulator, persona: ShopifyPersona) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        params.update(dict(form))
    if params.get("client_id") != emu.app.client_id:
        return error_page("The client_id is missing or does not belong to an installed app.")
    redirect_uri = params.get("redirect_uri", "")
    if not emu.redirect_allowed(redirect_uri):
        return error_page("The redirect_uri is not whitelisted")
    try:
        scopes = parse_scopes(params.get("scope", ""))
    except ScopeError as exc:
        return error_page(str(exc))
    state = params.get("state", "")
    online = params.get("grant_options[]", "") == "per-user"

    if request.method == "GET":
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        access = (
            "<p>Orders of any age (read_all_orders).</p>"
            if "read_all_orders" in scopes
            else "<p>Orders of the last 60 days only.</p>"
        )
        return HTMLResponse(
            PAGE.format(
                app=html.escape(emu.app.app_name),
                shop_name=html.escape(persona.name),
                shop=persona.shop,
                scopes="".join(f"<li><code>{s}</code></li>" for s in scopes)
                or "<li>No access scopes</li>",
                access=access,
                hidden=hidden,
            )
        )
    if params.get("decision") != "approve":
        return RedirectResponse(denied_url(redirect_uri, state), status_code=302)
    code = emu.issue_code(persona, scopes, online=online)
    url = callback_url(emu.app.client_secret, redirect_uri, persona, code, state, emu.now())
    return RedirectResponse(url, status_code=302)


class TokenError(Exception):
    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.description = status, error, description

    def response(self) -> JSONResponse:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return JSONResponse(body, status_code=self.status)


async def _params(request: Request) -> dict[str, str]:
    """The token request's parameters from a JSON or form body (reference 1.7: both occur)."""
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/json":
        try:
            body: Any = json.loads(raw or b"{}")
        except ValueError:
            raise TokenError(400, "invalid_request", "The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise TokenError(400, "invalid_request", "The request body must be a JSON object")
        return {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in body.items()}  # fmt: skip
    params = dict(parse_qsl(raw.decode(errors="replace"), keep_blank_values=True))
    params.update({k: v for k, v in request.query_params.items() if k not in params})
    return params


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def _expiring_response(
    emu: ShopifyEmulator, grant: Grant, now: float, previous: RefreshToken | None = None
) -> dict[str, Any]:
    app = emu.app
    value, refresh = emu.state.issue_refresh_token(grant, now + app.refresh_token_ttl)
    if previous is not None:
        # Rotation keeps the original lifetime: a refresh never extends the 90 days (1.8).
        refresh.expires_at = previous.expires_at
    access = emu.state.issue_access_token(grant, now + app.access_token_ttl, refresh)
    return {
        "access_token": access,
        "scope": ",".join(grant.scopes),
        "expires_in": app.access_token_ttl,
        "refresh_token": value,
        "refresh_token_expires_in": max(0, int(refresh.expires_at - now)),
    }


def _check_client(params: dict[str, str], emu: ShopifyEmulator) -> None:
    app = emu.app
    if params.get("client_id") != app.client_id or params.get("client_secret") != app.client_secret:
        raise TokenError(400, "invalid_client", "Client authentication failed")


def _exchange_code(
    params: dict[str, str], emu: ShopifyEmulator, persona: ShopifyPersona, now: float
) -> dict[str, Any]:
    code = emu.state.codes.get(params.get("code", ""))
    if code is None or code.used or now >= code.expires_at or code.shop != persona.shop:
        raise TokenError(
            400, "invalid_request", "The authorization code was not found or was already used"
        )
    code.used = True
    grant = Grant(emu.app.client_id, persona.shop, persona.id, code.scopes)
    if code.online:
        expires = emu.app.online_token_ttl
        data = emu.data(persona.id)
        first, _, last = data.shop_owner.partition(" ")
        return {
            "access_token": emu.state.issue_access_token(grant, now + expires, online=True),
            "scope": ",".join(code.scopes),
            "expires_in": expires,
            "associated_user_scope": ",".join(code.scopes),
            "associated_user": {
                "id": data.shop_id % 10**9 + 1,
                "first_name": first,
                "last_name": last,
                "email": data.shop_email,
                "email_verified": True,
                "account_owner": True,
                "locale": "en",
                "collaborator": False,
            },
        }
    expiring = params.get("expiring")
    if _truthy(expiring) or (expiring is None and code.expiring_default):
        return _expiring_response(emu, grant, now)
    return {
        "access_token": emu.state.issue_access_token(grant, None),
        "scope": ",".join(code.scopes),
    }


def _refresh(
    params: dict[str, str], emu: ShopifyEmulator, persona: ShopifyPersona, now: float
) -> dict[str, Any]:
    refresh = emu.state.refresh_tokens.get(params.get("refresh_token", ""))
    invalid = TokenError(400, "invalid_grant", "The refresh token is invalid or has expired")
    if refresh is None or refresh.grant.shop != persona.shop or refresh.grant.revoked:
        raise invalid
    if now >= refresh.expires_at:
        raise invalid
    if refresh.used_at is not None:
        recoverable = (
            emu.app.refresh_token_recovery
            and not refresh.replacement_used
            and now < refresh.used_at + emu.app.refresh_recovery_window
        )
        if not recoverable:
            raise invalid
    else:
        refresh.used_at = now
    if refresh.replacement is not None:
        refresh.replacement.used_at = now  # a second rotation retires the unused replacement
    response = _expiring_response(emu, refresh.grant, now, refresh)
    refresh.replacement = emu.state.refresh_tokens[response["refresh_token"]]
    _mark_predecessors(emu, refresh)
    return response


def _mark_predecessors(emu: ShopifyEmulator, current: RefreshToken) -> None:
    """Using a refresh token is using the replacement of the one before it (1.8 recovery)."""
    for token in emu.state.refresh_tokens.values():
        if token.replacement is current:
            token.replacement_used = True


def note_access_use(emu: ShopifyEmulator, token: AccessToken) -> None:
    """An API call with a token is the app starting to use the pair it came with."""
    if token.refresh is not None:
        _mark_predecessors(emu, token.refresh)


def _migrate(
    params: dict[str, str], emu: ShopifyEmulator, persona: ShopifyPersona, now: float
) -> dict[str, Any]:
    """Token exchange of a non-expiring offline token for an expiring pair (1.8)."""
    offline = "urn:shopify:params:oauth:token-type:offline-access-token"
    if params.get("subject_token_type") != offline or params.get("requested_token_type") != offline:
        raise TokenError(400, "invalid_request", "Unsupported token types")
    old = emu.state.access_tokens.get(params.get("subject_token", ""))
    if old is None or old.grant.revoked or old.grant.shop != persona.shop or old.expires_at:
        raise TokenError(400, "invalid_subject_token", "The subject token is not valid")
    if not _truthy(params.get("expiring")):
        raise TokenError(400, "invalid_request", "expiring must be 1")
    del emu.state.access_tokens[params["subject_token"]]
    return _expiring_response(emu, old.grant, now)


async def access_token(request: Request, emu: ShopifyEmulator, persona: ShopifyPersona) -> Response:
    now = emu.now()
    try:
        params = await _params(request)
        _check_client(params, emu)
        grant_type = params.get("grant_type", "")
        if grant_type == "refresh_token":
            body = _refresh(params, emu, persona, now)
        elif grant_type == "urn:ietf:params:oauth:grant-type:token-exchange":
            body = _migrate(params, emu, persona, now)
        elif grant_type in ("", "authorization_code"):
            body = _exchange_code(params, emu, persona, now)
        else:
            raise TokenError(400, "unsupported_grant_type")
    except TokenError as error:
        return error.response()
    return JSONResponse(body)
