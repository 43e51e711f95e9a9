"""The report as PDF: the HTML document laid out by WeasyPrint (pango does the text).

WeasyPrint is synchronous and CPU-bound (a report takes a few hundred milliseconds), so
:func:`report_pdf` runs it in a worker thread and the event loop keeps serving. The document
refers to nothing outside itself; the URL fetcher refuses every URL anyway, so a future
template change can never make the server fetch from the network while rendering.
"""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

from weasyprint import HTML

from app.reports.render import report_html
from app.reports.schemas import Report


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the report PDF loads no external resource (asked for {url[:80]!r})")


def html_to_pdf(html: str) -> bytes:
    """``html`` (a self-contained document) laid out as PDF bytes; blocking."""
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return pdf


async def report_pdf(report: Report) -> bytes:
    """The PDF of ``report``, rendered off the event loop."""
    return await asyncio.to_thread(html_to_pdf, report_html(report))
