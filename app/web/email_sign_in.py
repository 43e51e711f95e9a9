"""Email sign-in on the borrower pages, through Supabase Auth's magic links.

``POST /sign-in/email`` asks Supabase to email a link back to ``/sign-in/supabase``; that page
reads the session Supabase put in the URL fragment (the server never sees a fragment) and posts
the access token to ``POST /sign-in/supabase``, which verifies it like any Supabase token and
sets the session cookie. Both posts are refused from another site, so no page elsewhere can
sign a borrower into someone else's account.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import ContextDep, SessionDep, start_session
from app.identity.magic_link import MagicLinkError, send_magic_link
from app.identity.ratelimit import SignInRateLimit
from app.identity.supabase import MAX_TOKEN_CHARS, borrower_from_access_token
from app.kit.errors import NotAuthenticated
from app.web.render import CsrfRejected, check_origin, refused, render

router = APIRouter(include_in_schema=False)

CALLBACK_PATH = "/sign-in/supabase"
# Enough to catch a typo; Supabase checks the address for real (422 when it refuses it).
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
MAX_EMAIL_CHARS = 254


def _signed_out(request: Request, context: ContextDep, status_code: int, **values: str) -> Response:
    return render(request, context, "signed_out.html", None, values, status_code)


@router.post("/sign-in/email", dependencies=[SignInRateLimit])
async def email_sign_in(
    request: Request,
    context: ContextDep,
    email: Annotated[str, Form(max_length=MAX_EMAIL_CHARS)] = "",
) -> Response:
    """Email the borrower a sign-in link (Supabase creates the account on first sign-in)."""
    try:
        check_origin(request, context)
    except CsrfRejected as exc:
        return refused(request, context, exc)
    identity = context.settings.identity
    if not identity.supabase_email_enabled:
        return _signed_out(request, context, 404, next_error="Email sign-in is not set up here.")
    address = email.strip()
    if not EMAIL.fullmatch(address):
        return _signed_out(
            request,
            context,
            422,
            next_error="Enter your email address, for example you@example.com.",
            email=address,
        )
    redirect_to = context.settings.public_base_url.rstrip("/") + CALLBACK_PATH
    try:
        await send_magic_link(context.http, identity, address, redirect_to)
    except MagicLinkError as exc:
        return _signed_out(request, context, exc.status_code, next_error=exc.message, email=address)
    return _signed_out(
        request,
        context,
        200,
        sent=f"We sent a sign-in link to {address}. Open it on this device to sign in.",
    )


@router.get(CALLBACK_PATH, response_class=HTMLResponse)
async def email_sign_in_landing(request: Request, context: ContextDep) -> Response:
    """Where the emailed link lands: the page's script posts the token from the fragment."""
    return render(request, context, "email_sign_in.html", None)


@router.post(CALLBACK_PATH, dependencies=[SignInRateLimit])
async def email_sign_in_finish(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    access_token: Annotated[str, Form(max_length=MAX_TOKEN_CHARS)] = "",
) -> Response:
    """Verify the Supabase access token from the link and start the borrower's session."""
    try:
        check_origin(request, context)
    except CsrfRejected as exc:
        return refused(request, context, exc)
    if not context.settings.identity.supabase_enabled:
        return _signed_out(request, context, 404, next_error="Email sign-in is not set up here.")
    try:
        borrower = await borrower_from_access_token(
            request.app, context, session, access_token.strip()
        )
    except NotAuthenticated:
        return _signed_out(
            request,
            context,
            401,
            next_error="That sign-in link is invalid or has expired. Ask for a new one below.",
        )
    response = RedirectResponse("/dashboard", status_code=303)
    start_session(response, context, borrower.id)
    return response
