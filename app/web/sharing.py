"""Sharing the score with lenders: grant, revoke, and who read my data.

The same services as `/api/grants` and `/api/audit`: granting and revoking go through the grant
endpoints (so each change is audited the same way), and the history is the borrower's audit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.audit.endpoints import AuditOut, my_audit
from app.deps import ContextDep, SessionDep
from app.kit.errors import AppError, NotAuthenticated
from app.kit.ids import is_id
from app.lenders.endpoints import (
    GrantIn,
    create_grant,
    delete_grant,
    list_grants,
    list_lenders,
)
from app.web.render import CsrfRejected, back_to, form_borrower, page_borrower, refused, render

router = APIRouter(include_in_schema=False)
SHARING = "/sharing"
HISTORY_LIMIT = 50

# How each audit action reads in the borrower's history.
ACTIONS = {
    "score.read": "read your score",
    "grant.create": "You shared your score",
    "grant.revoke": "You stopped sharing your score",
    "connection.connect": "Account connected",
    "connection.disconnect": "Account disconnected",
}
NOTICES = {
    "granted": "Shared. The lender can read your score until you stop sharing.",
    "revoked": "Stopped. The lender can no longer read your score.",
    "not_found": "That lender or grant no longer exists.",
}


def describe(event: AuditOut) -> str:
    """One line of the history, in words."""
    if event.actor_type == "lender":
        who = event.actor_name or "A lender"
        return f"{who} {ACTIONS.get(event.action, event.action.replace('.', ' '))}"
    return ACTIONS.get(event.action, event.action.replace(".", " ").capitalize())


@router.get("/sharing", response_class=HTMLResponse)
async def sharing(request: Request, context: ContextDep, session: SessionDep) -> Response:
    borrower = await page_borrower(request, context, session)
    if borrower is None:
        return render(request, context, "signed_out.html", None, {"next_error": None})
    lenders = await list_lenders(borrower, session)
    active = {g.lender_id: g for g in await list_grants(borrower, session) if g.revoked_at is None}
    events = await my_audit(borrower, session, limit=HISTORY_LIMIT)
    return render(
        request,
        context,
        "sharing.html",
        borrower,
        {
            "page": "sharing",
            "lenders": lenders,
            "active": active,
            "reads": [e for e in events if e.actor_type == "lender"],
            "history": [(e, describe(e)) for e in events],
            "notice": NOTICES.get(request.query_params.get("notice", "")),
        },
    )


@router.post("/sharing/grant")
async def grant(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    lender_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    try:
        await create_grant(request, GrantIn(lender_id=lender_id), borrower, session)
    except AppError as exc:
        if exc.status_code == 404:
            return back_to(SHARING, notice="not_found")
        raise
    return back_to(SHARING, notice="granted")


@router.post("/sharing/{grant_id}/revoke")
async def revoke(
    request: Request, context: ContextDep, session: SessionDep, grant_id: str
) -> Response:
    try:
        borrower = await form_borrower(request, context, session)
    except (CsrfRejected, NotAuthenticated) as exc:
        return refused(request, context, exc)
    if not is_id(grant_id):
        return back_to(SHARING, notice="not_found")
    try:
        await delete_grant(request, borrower, session, grant_id)
    except AppError as exc:
        if exc.status_code == 404:
            return back_to(SHARING, notice="not_found")
        raise
    return back_to(SHARING, notice="revoked")
