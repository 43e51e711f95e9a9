"""Seller Central's consent page and the Login with Amazon token endpoint (reference 1).

Consent: ``GET /seller-central/apps/authorize/consent`` shows Approve/Deny for a chosen seller;
the form posts to ``/seller-central/apps/authorize/confirm``, which redirects to the app with
``state``, ``selling_partner_id`` and ``spapi_oauth_code``. Tokens: ``POST /lwa/auth/o2/token``
with a form or JSON body; errors are the bodies quoted in reference 1.6.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandbox.amazon.emulator import AmazonEmulator
from sandbox.amazon.personas import AMAZON_PERSONAS

NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BAD_CODE = "The request has an invalid grant parameter : code"
BAD_REFRESH = (
    "The request has an invalid grant parameter : refresh_token. "
    "User may have revoked or didn't grant the permission."
)


def callback_url(redirect_uri: str, state: str, seller: str, code: str) -> str:
    sep = "&" if "?" in redirect_uri else "?"
    query = urlencode({"state": state, "selling_partner_id": seller, "spapi_oauth_code": code})
    return f"{redirect_uri}{sep}{query}"


def error_page(code: str, message: str, status: int = 400) -> HTMLResponse:
    body = f"<h1>Seller Central</h1><p>Error {html.escape(code)}: {html.escape(message)}</p>"
    return HTMLResponse(body, status_code=status)


def consent(request: Request, emu: AmazonEmulator) -> Response:
    params = request.query_params
    if params.get("application_id") != emu.app.application_id:
        return error_page("MD1000", "The application could not be found.", 404)
    redirect = params.get("redirect_uri") or emu.app.redirect_url
    if not emu.redirect_allowed(redirect):
        return error_page("MD5101", "The redirect URI does not match a registered URI.")
    options = "".join(
        f'<option value="{p.id}">{html.escape(p.name)} ({p.selling_partner_id})</option>'
        for p in AMAZON_PERSONAS
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
        for k, v in (("state", params.get("state", "")), ("redirect_uri", redirect))
    )
    page = (
        f"<h1>Authorize {html.escape(emu.app.app_name)}</h1>"
        '<form method="post" action="confirm">'
        f'<select name="persona">{options}</select>{hidden}'
        '<button name="decision" value="approve">Confirm</button>'
        '<button name="decision" value="deny">Cancel</button></form>'
    )
    return HTMLResponse(page, headers={"Referrer-Policy": "no-referrer"})


async def confirm(request: Request, emu: AmazonEmulator) -> Response:
    form = await request.form()
    redirect = str(form.get("redirect_uri") or emu.app.redirect_url)
    if not emu.redirect_allowed(redirect):
        return error_page("MD5101", "The redirect URI does not match a registered URI.")
    state = str(form.get("state", ""))
    persona = emu.persona(str(form.get("persona", "")))
    if persona is None:
        return error_page("MD9100", "Unknown seller.", 404)
    if form.get("decision") != "approve":
        # Amazon documents no denial redirect; we send the OAuth-style error back to the app.
        sep = "&" if "?" in redirect else "?"
        query = urlencode({"state": state, "error": "access_denied"})
        return RedirectResponse(f"{redirect}{sep}{query}", status_code=302)
    code = emu.issue_code(persona, redirect)
    return RedirectResponse(
        callback_url(redirect, state, persona.selling_partner_id, code), status_code=302
    )


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    body = {"error_description": description, "error": error}
    return JSONResponse(body, status_code=status, headers=NO_CACHE)


async def _fields(request: Request) -> dict[str, str] | None:
    kind = request.headers.get("content-type", "")
    if "json" in kind:
        try:
            body: Any = json.loads(await request.body())
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        return {str(k): str(v) for k, v in body.items() if v is not None}
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def _tokens(emu: AmazonEmulator, persona_id: str, refresh: str) -> JSONResponse:
    ttl = emu.app.access_token_ttl
    access = emu.state.new_access(persona_id, emu.now() + ttl)
    body = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": ttl,
        "refresh_token": refresh,
    }
    return JSONResponse(body, headers=NO_CACHE)


async def token(request: Request, emu: AmazonEmulator) -> Response:
    fields = await _fields(request)
    if fields is None or "grant_type" not in fields:
        return _error("invalid_request", "Malformed request")
    if (fields.get("client_id"), fields.get("client_secret")) != (
        emu.app.lwa_client_id,
        emu.app.lwa_client_secret,
    ):
        return _error("invalid_client", "Client authentication failed", 401)
    grant = fields["grant_type"]
    if grant == "authorization_code":
        code = emu.state.codes.get(fields.get("code", ""))
        redirect = fields.get("redirect_uri")
        if (
            code is None
            or code.used
            or code.expires <= emu.now()
            or (redirect is not None and redirect != code.redirect_uri)
        ):
            return _error("invalid_grant", BAD_CODE)
        code.used = True
        return _tokens(emu, code.persona_id, emu.state.new_refresh(code.persona_id))
    if grant == "refresh_token":
        refresh = fields.get("refresh_token", "")
        persona_id = emu.state.refresh.get(refresh)
        if persona_id is None or refresh in emu.state.revoked_refresh:
            return _error("invalid_grant", BAD_REFRESH)
        # Reference 1.4-1.5: the refresh token does not rotate.
        return _tokens(emu, persona_id, refresh)
    return _error("invalid_request", "Malformed request")
