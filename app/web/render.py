"""What every borrower page shares: the templates, the signed-in borrower (or none), and the CSRF
check of forms that change something.

Sessions are a cookie (``SameSite=Lax``, HttpOnly), which already keeps other sites' POSTs from
carrying it in current browsers. Each state-changing form also carries a token signed for the
borrower (``csrf_token``), and a POST whose ``Origin`` names another site is refused, so a form
on another site, an old browser or a sibling subdomain cannot act for the borrower.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import AppContext
from app.deps import SESSION_MAX_AGE_S, get_current_borrower
from app.kit.errors import AppError, NotAuthenticated
from app.kit.signed import InvalidToken
from app.models import Borrower

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
CSRF = "borrower-page-form"
CSRF_FIELD = "csrf_token"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


class CsrfRejected(AppError):
    status_code = 403
    code = "csrf_rejected"


def csrf_token(context: AppContext, borrower_id: str) -> str:
    """A form token for this borrower, valid as long as a session."""
    return context.signer.dumps(borrower_id, CSRF)


def _same_origin(request: Request, context: AppContext) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Browsers send Origin on every cross-site POST; "null" is a sandboxed or opaque one.
        return origin is None
    allowed = {_origin_of(context.settings.public_base_url), _origin_of(str(request.base_url))}
    return _origin_of(origin) in allowed


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(request: Request, context: AppContext) -> None:
    """Refuse a POST another site sent (sign-in forms have no session to bind a token to)."""
    if not _same_origin(request, context):
        raise CsrfRejected("this form was sent from another site")


async def form_borrower(request: Request, context: AppContext, session: AsyncSession) -> Borrower:
    """The signed-in borrower of a state-changing form, once its origin and token check out."""
    check_origin(request, context)
    borrower = await get_current_borrower(request, context, session)
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        raise CsrfRejected("the form has no security token: reload the page and try again")
    try:
        owner = context.signer.loads(token, CSRF, SESSION_MAX_AGE_S)
    except InvalidToken:
        raise CsrfRejected("the form's security token expired: reload the page") from None
    if owner != borrower.id:
        raise CsrfRejected("the form belongs to another session: reload the page")
    return borrower


async def page_borrower(
    request: Request, context: AppContext, session: AsyncSession
) -> Borrower | None:
    """The signed-in borrower, or None for a visitor (pages show the sign-in page then)."""
    try:
        return await get_current_borrower(request, context, session)
    except NotAuthenticated:
        return None


def render(
    request: Request,
    context: AppContext,
    name: str,
    borrower: Borrower | None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with what the layout needs: the borrower and their form token."""
    shared: dict[str, Any] = {
        "borrower": borrower,
        "csrf_token": csrf_token(context, borrower.id) if borrower else "",
        "development": context.settings.is_development,
        "email_sign_in": context.settings.identity.supabase_email_enabled,
    }
    response = templates.TemplateResponse(
        request, name, {**shared, **(values or {})}, status_code=status_code
    )
    # Pages hold the borrower's figures: never cached by a shared cache or the back button.
    response.headers["Cache-Control"] = "no-store"
    # Only our own script and styles run, and no other site may frame a page to trick a click
    # on Share or Disconnect. (No form-action: connect forms redirect to the platforms.)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def refused(request: Request, context: AppContext, exc: AppError) -> HTMLResponse:
    """A form that was not accepted (no session, a stale or foreign token), as a page."""
    return render(
        request,
        context,
        "refused.html",
        None,
        {"message": exc.message, "signed_out": isinstance(exc, NotAuthenticated)},
        exc.status_code,
    )


def back_to(path: str, **params: str) -> Response:
    """After a form: see the page again (303 so a reload does not resend the form)."""
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)
