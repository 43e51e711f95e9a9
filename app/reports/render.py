"""The report as an HTML document (Jinja2, autoescaped), for browsers, printing and the PDF.

The template is self-contained (styles inline, chart inline SVG, no script, no external
resource), so the PDF renderer never has anything to fetch.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.reports.chart import month_label, platform_label, revenue_chart_svg, usd
from app.reports.schemas import Report

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | None) -> str:
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        usd=usd,
        when=_when,
        day=_day,
        percent=_percent,
        platform=platform_label,
        month=month_label,
    )
    return env


def report_html(report: Report) -> str:
    """The complete HTML document of ``report``."""
    template = environment().get_template("report.html")
    return template.render(report=report, chart=revenue_chart_svg(report.months))
