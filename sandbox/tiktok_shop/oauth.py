"""Authorization: the consent page (stands for services.tiktokshop.com/open/authorize) and the
token host (auth.tiktok-shops.com ``/api/v2/token/get`` and ``/refresh``), per reference 2."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandbox.personas import PERSONAS
from sandbox.tiktok_shop import envelope as errors
from sandbox.tiktok_shop.emulator import TikTokShopEmulator
from sandbox.tiktok_shop.envelope import PlatformError, envelope
from sandbox.tiktok_shop.state import CREATOR_SCOPES, SELLER_SCOPES, Grant


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def callback_url(redirect: str, state: str, code: str | None) -> str:
    """``{redirect}?code=...&state=...``, or on denial ``code=null&error=auth_denied`` (2.1)."""
    if code is None:
        return with_query(redirect, {"code": "null", "error": "auth_denied", "state": state})
    return with_query(redirect, {"code": code, "state": state})


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app} - TikTok Shop (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.5rem 1.25rem;margin-right:.75rem}}</style></head>
<body><main>
<h1>Authorize {app}</h1>
<p>TikTok Shop sandbox. <strong>{app}</strong> asks for access to your account.</p>
<form method="post">
{hidden}
<p><label for="persona">Sign in as</label>
<select id="persona" name="persona">{options}</select></p>
<h2>Permissions requested</h2>
<p>Seller accounts grant:</p><ul>{seller_scopes}</ul>
<p>Creator accounts grant:</p><ul>{creator_scopes}</ul>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>"""


def _error_page(message: str) -> HTMLResponse:
    body = "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Error</title></head>"
    body += "<body><main><h1>Authorization error</h1>"
    body += f"<p>{html.escape(message)}</p></main></body></html>"
    return HTMLResponse(body, status_code=400)


async def consent(request: Request, emu: TikTokShopEmulator) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        params.update({key: values[-1] for key, values in form.items()})
    app = emu.config.tiktok
    service_id, app_key = params.get("service_id"), params.get("app_key")
    if service_id is not None and service_id != app.service_id:
        return _error_page("Unknown service_id: no app is registered with this id.")
    if service_id is None and app_key != app.app_key:
        return _error_page("Missing or unknown service_id (or app_key for creators).")
    state = params.get("state", "")

    if request.method == "GET":
        creator_flow = service_id is None
        default = next(p for p in PERSONAS if (p.role == "creator") == creator_flow)
        options = "".join(
            f'<option value="{p.id}"{" selected" if p is default else ""}>'
            f"{html.escape(p.name)} ({p.role}, {p.region})</option>"
            for p in PERSONAS
        )
        ident = {"service_id": service_id} if service_id is not None else {"app_key": app_key or ""}
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in {**ident, "state": state}.items()
        )
        return HTMLResponse(
            PAGE.format(
                app=html.escape(app.app_name),
                hidden=hidden,
                options=options,
                seller_scopes="".join(f"<li><code>{s}</code></li>" for s in SELLER_SCOPES),
                creator_scopes="".join(f"<li><code>{s}</code></li>" for s in CREATOR_SCOPES),
            )
        )

    if params.get("decision") != "approve":
        return RedirectResponse(callback_url(app.redirect_url, state, None), status_code=303)
    persona = emu.persona(params.get("persona", ""))
    if persona is None:
        return _error_page("Unknown account.")
    code = emu.issue_code(persona)
    return RedirectResponse(callback_url(app.redirect_url, state, code), status_code=303)


def _token_data(
    emu: TikTokShopEmulator, grant: Grant, access_token: str, expires: int
) -> dict[str, object]:
    persona = emu.persona(grant.persona_id)
    assert persona is not None
    data = emu.data(persona.id)
    return {
        "access_token": access_token,
        "access_token_expire_in": expires,
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": grant.refresh_expires_at,
        "open_id": data.open_id,
        "seller_name": persona.name,
        "seller_base_region": persona.region,
        "user_type": 1 if persona.role == "creator" else 0,
        "granted_scopes": list(grant.scopes),
    }


def _check_app(params: dict[str, str], emu: TikTokShopEmulator, grant_type: str) -> None:
    app = emu.config.tiktok
    if params.get("app_key") != app.app_key or params.get("app_secret") != app.app_secret:
        raise errors.invalid_credentials("The app_key or app_secret is invalid.")
    if params.get("grant_type") != grant_type:
        raise errors.invalid_param(f"grant_type must be {grant_type}.")


def _token_get(params: dict[str, str], emu: TikTokShopEmulator, now: float) -> dict[str, object]:
    _check_app(params, emu, "authorized_code")
    code = emu.state.auth_codes.get(params.get("auth_code", ""))
    if code is None or code.used or now >= code.expires_at or code.app_key != params["app_key"]:
        raise errors.NO_AUTH_RECORD
    code.used = True
    grant = emu.state.new_grant(
        code.app_key, code.persona_id, code.scopes, int(now) + emu.config.refresh_token_ttl
    )
    expires = int(now) + emu.config.access_token_ttl
    return _token_data(emu, grant, emu.state.issue_access_token(grant, expires), expires)


def _token_refresh(
    params: dict[str, str], emu: TikTokShopEmulator, now: float
) -> dict[str, object]:
    _check_app(params, emu, "refresh_token")
    grant = emu.state.refresh_tokens.get(params.get("refresh_token", ""))
    if grant is None or grant.revoked or grant.app_key != params["app_key"]:
        raise errors.NO_AUTH_RECORD
    if now >= grant.refresh_expires_at:
        raise errors.REFRESH_EXPIRED
    if emu.config.rotate_refresh_tokens:
        emu.state.rotate(grant)
    expires = int(now) + emu.config.access_token_ttl
    return _token_data(emu, grant, emu.state.issue_access_token(grant, expires), expires)


async def token(request: Request, emu: TikTokShopEmulator, *, refresh: bool) -> JSONResponse:
    now = emu.now()
    params = dict(request.query_params)
    handler = _token_refresh if refresh else _token_get
    try:
        data = handler(params, emu, now)
    except PlatformError as error:
        body = envelope(now, None, error.code, error.message)
        return JSONResponse(body, status_code=error.status)
    return JSONResponse(envelope(now, data, 0, "success"))
