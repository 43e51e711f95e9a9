"""Email sign-in through Supabase Auth: ask the project to email a borrower a magic link.

Supabase's Auth server (GoTrue) takes ``POST /auth/v1/otp`` with ``{"email", "create_user"}``,
the project's anon key in ``apikey`` and ``Authorization``, and the page to come back to as the
``redirect_to`` query parameter (its own client, auth-js, sends it there; a ``redirect_to`` in
the body is ignored). The link in the email lands on that page with the session in the URL
fragment (``#access_token=…``), which only the browser sees; the page posts the access token
back and :func:`app.identity.supabase.borrower_from_access_token` verifies it like any other.
The redirect page must be in the project's allowed redirect URLs, or Supabase sends the link to
its Site URL instead.
"""

from __future__ import annotations

import httpx
import structlog

from app.config import IdentitySettings

log = structlog.get_logger(__name__)

TIMEOUT_S = 10.0


class MagicLinkError(Exception):
    """The email was not sent; ``message`` is for the borrower, ``status_code`` for the page."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


async def send_magic_link(
    http: httpx.AsyncClient, identity: IdentitySettings, email: str, redirect_to: str
) -> None:
    """Ask Supabase to email ``email`` a sign-in link back to ``redirect_to``.

    Raises
    ------
    MagicLinkError
        When Supabase refuses the address (422), limits the sending (429) or cannot be reached
        or fails (502): nothing was sent.
    """
    if identity.supabase_anon_key is None or not identity.supabase_url:
        raise MagicLinkError("Email sign-in is not available here.", 404)
    anon = identity.supabase_anon_key.get_secret_value()
    try:
        response = await http.post(
            f"{identity.supabase_url.rstrip('/')}/auth/v1/otp",
            params={"redirect_to": redirect_to},
            json={"email": email, "create_user": True},
            headers={"apikey": anon, "Authorization": f"Bearer {anon}"},
            timeout=TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        log.warning("magic_link_unreachable", error=type(exc).__name__)
        raise MagicLinkError(
            "The sign-in email could not be sent just now. Please try again in a minute.", 502
        ) from None
    if response.is_success:
        return
    # GoTrue's error bodies carry an error code; the address itself is never logged.
    log.warning("magic_link_refused", status=response.status_code, code=_error_code(response))
    if response.status_code == 429:
        raise MagicLinkError(
            "Too many sign-in emails were asked for. Please wait a few minutes and try again.", 429
        )
    if response.status_code in (400, 422):
        raise MagicLinkError("That email address was not accepted. Check it and try again.", 422)
    raise MagicLinkError(
        "The sign-in email could not be sent just now. Please try again in a minute.", 502
    )


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "unreadable"
    if isinstance(body, dict):
        return str(body.get("error_code") or body.get("code") or body.get("error") or "unknown")
    return "unknown"
