"""The PDF report: rendered by WeasyPrint, its text read back with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader

from app.reports.chart import usd
from tests.app.reports.conftest import Granted, grant_reader
from tests.harness import Harness


def _squashed(text: str) -> str:
    """Text without whitespace: a PDF wraps long ids and names where the column ends."""
    return "".join(text.split())


class TestReportPdf:
    async def test_the_pdf_states_the_figures_accounts_and_freshness(
        self, harness: Harness, scored: Granted
    ) -> None:
        report = (await harness.service.get(scored.url, headers=scored.auth)).json()
        response = await harness.service.get(
            scored.url, params={"format": "pdf"}, headers=scored.auth
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            f'inline; filename="income-report-{scored.borrower_id}.pdf"'
        )
        assert response.content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(response.content))
        text = _squashed("\n".join(page.extract_text() for page in reader.pages))

        assert _squashed("Income verification report") in text
        assert scored.borrower_id in text
        assert _squashed(f"Model version {report['model_version']}") in text
        newest = report["months"][-1]["platforms"][0]
        assert usd(newest["net_revenue"]).replace(",", "") in text.replace(",", "")
        assert _squashed(f"{usd(report['monthly_revenue_usd'])} per month") in text
        (account,) = report["connections"]
        assert account["connection_id"] in text
        assert _squashed(account["name"]) in text
        data_as_of = report["data_as_of"][:16].replace("T", " ")
        assert _squashed(f"Data freshness data as of {data_as_of} UTC") in text
        assert _squashed("Settlements reconciled against order revenue") in text
        assert len(reader.pages) >= 2  # A4 pages, each with its footer
        assert _squashed(f"Page 1 of {len(reader.pages)}") in text

    async def test_a_pending_borrower_gets_a_pdf_saying_so(self, harness: Harness) -> None:
        granted = await grant_reader(harness, "newcomer")
        response = await harness.service.get(
            granted.url, params={"format": "pdf"}, headers=granted.auth
        )
        reader = PdfReader(io.BytesIO(response.content))
        text = _squashed("\n".join(page.extract_text() for page in reader.pages))
        assert _squashed("Pending: no score yet") in text
        assert _squashed("No connected account has finished its first 90-day pull yet") in text
