"""`GET /v1/borrowers/{id}/report`: the lender's income verification report as JSON, HTML or PDF.

Authorization is the score read's, step for step (API key, then scope, then an active grant,
404 alike for an unknown borrower and one who granted nothing), with the ``reports:read`` scope,
and every read is audited as ``report.read`` with the format served.

The format comes from ``?format=`` when given, else from the ``Accept`` header (q-values
honoured; no header or ``*/*`` gives JSON). A format the service cannot produce is answered
with **406 Not Acceptable**, for ``?format=`` and ``Accept`` alike: the request is well formed,
the representation asked for just does not exist, and a client gets one status and one error
code (``not_acceptable``, listing the formats) whichever way it asked. The check comes after
authorization, so 401/403/404 are exactly the score read's whatever the format.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.audit import service as audit
from app.deps import SessionDep
from app.kit.errors import AppError, ErrorOut, NotFound, error_responses
from app.kit.ids import id_path
from app.lenders import grants
from app.lenders.deps import LenderPrincipal
from app.reports.pdf import report_pdf
from app.reports.render import report_html
from app.reports.schemas import Report
from app.reports.service import build_report

router = APIRouter()

Format = Literal["json", "html", "pdf"]
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "html": "text/html",
    "pdf": "application/pdf",
}
# Headers every representation carries: the answer depends on Accept, and a credit report must
# not sit in a shared or browser cache.
HEADERS = {"Vary": "Accept", "Cache-Control": "no-store"}


class NotAcceptable(AppError):
    status_code = 406
    code = "not_acceptable"


def _not_acceptable(asked: str) -> NotAcceptable:
    return NotAcceptable(
        f"cannot produce {asked}: ask for format json, html or pdf "
        "(?format= or Accept: application/json, text/html, application/pdf)"
    )


def _ranges(accept: str) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs; a malformed q counts as 0 (not acceptable)."""
    out = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        out.append((media.lower(), q))
    return out


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """q of the most specific range matching ``media_type`` (RFC 9110 §12.5.1); 0 if none."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media, q in ranges:
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media, -1)
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def negotiate(format: str | None, accept: str | None) -> Format:
    """The format to serve (see the module docstring).

    Raises
    ------
    NotAcceptable
        If ``format`` is not one of json, html, pdf, or no acceptable type is offered.
    """
    if format is not None:
        for name in MEDIA_TYPES:
            if format.lower() == name:
                return name
        # Echo only a short, harmless form of what was asked (it lands in logs and pages).
        shown = re.sub(r"[^\w.+-]", "?", format)[:16]
        raise _not_acceptable(f"format {shown!r}")
    if not accept or not accept.strip():
        return "json"
    ranges = _ranges(accept)
    scored = [
        (_quality(media, ranges), -i, name) for i, (name, media) in enumerate(MEDIA_TYPES.items())
    ]
    q, _, name = max(scored)
    if q <= 0.0:
        raise _not_acceptable("any of the media types in Accept")
    return name


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON (the schema below), an HTML document, or a PDF",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    406: {
        "model": ErrorOut,
        "description": "Not acceptable: the format asked for (by ?format= or Accept) is not "
        "json, html or pdf",
    },
    **error_responses(401, 403, 404, 429),
}


@router.get(
    "/v1/borrowers/{borrower_id}/report",
    response_model=Report,
    tags=["lender API"],
    responses=RESPONSES,
)
async def borrower_report(
    request: Request,
    lender: LenderPrincipal,
    session: SessionDep,
    borrower_id: str = id_path("the borrower's id, as the borrower shared it"),
    format: str | None = Query(
        default=None,
        max_length=16,
        description="json, html or pdf; overrides the Accept header",
        json_schema_extra={"enum": list(MEDIA_TYPES)},
    ),
) -> Response:
    """The borrower's income verification report, if the borrower granted this lender access.

    Monthly revenue per platform (chart and table), orders, refunds and returns, settlements
    reconciled against order revenue, affiliate commissions, sub-scores, reasons, confidence,
    data freshness, model version and the connected accounts. Amounts are USD. A borrower
    without a score yet gets a pending report with the reasons.
    """
    lender.require("reports:read")
    if not await grants.has_access(session, lender.lender_id, borrower_id):
        raise NotFound("borrower not found")
    chosen = negotiate(format, request.headers.get("accept"))
    report = await build_report(session, borrower_id)
    audit.record(
        session,
        actor_type="lender",
        actor_id=lender.lender_id,
        action="report.read",
        borrower_id=borrower_id,
        request=request,
        key_id=lender.key_id,
        status=report.status,
        format=chosen,
    )
    if chosen == "html":
        return HTMLResponse(report_html(report), headers=HEADERS)
    if chosen == "pdf":
        name = re.sub(r"[^A-Za-z0-9_-]", "", borrower_id)[:64] or "borrower"
        return Response(
            await report_pdf(report),
            media_type="application/pdf",
            headers={
                **HEADERS,
                "Content-Disposition": f'inline; filename="income-report-{name}.pdf"',
            },
        )
    return JSONResponse(report.model_dump(mode="json"), headers=HEADERS)
