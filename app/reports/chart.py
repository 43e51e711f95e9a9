"""Monthly revenue per platform as a server-side SVG bar chart: no JavaScript, so the same markup
works in a browser, in the printed page and in the PDF (WeasyPrint draws inline SVG).

Written by hand on purpose: a grouped bar chart is a few rectangles and labels, and the
libraries do not fit a request path or the PDF. matplotlib is a large import with a font cache
to build; pygal by default links its tooltip JavaScript from the web and styles through its own
embedded CSS, and gives no say over the accessible name and description; leather has had no
release in years. Here every element is ours to make accessible: the ``<svg>`` has
``role="img"``, a ``<title>`` and a ``<desc>`` listing every value (its text alternative), each
bar carries its own ``<title>``, and colours come from the Okabe-Ito palette, which
colour-blind readers can tell apart; the legend also names each colour.

Bars are grouped (one per platform per month), not stacked, because a platform's net revenue
is negative when its refunds exceed its sales, and a stack cannot show that honestly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from app.reports.schemas import MonthRevenue

__all__ = ["PLATFORM_LABELS", "month_label", "platform_label", "revenue_chart_svg", "usd"]

PLATFORM_LABELS = {"tiktok_shop": "TikTok Shop", "shopify": "Shopify", "amazon": "Amazon"}
# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 78


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform)


def month_label(month: MonthRevenue) -> str:
    """``3 Oct – 1 Nov 2025``: the month's first and last day (its end is exclusive)."""
    last = month.end - timedelta(microseconds=1)
    return f"{month.start.day} {month.start:%b} – {last.day} {last:%b %Y}"


def usd(amount: Decimal | float) -> str:
    """``$1,234.50`` (``-$12.00`` below zero)."""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about four intervals."""
    raw = span / 4
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _ticks(low: float, high: float) -> list[float]:
    if high <= low:
        high = low + 100.0
    step = _step(high - low)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    count = round((last - first) / step)
    return [first + i * step for i in range(count + 1)]


def _tick_label(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        text = f"${magnitude / 1_000_000:g}M"
    elif magnitude >= 1_000:
        text = f"${magnitude / 1_000:g}k"
    else:
        text = f"${magnitude:g}"
    return f"-{text}" if value < 0 else text


def _describe(months: Sequence[MonthRevenue]) -> str:
    parts = []
    for month in months:
        values = ", ".join(
            f"{platform_label(cell.platform)} {usd(cell.net_revenue)}" for cell in month.platforms
        )
        parts.append(f"{month_label(month)}: {values}; total {usd(month.net_revenue)}")
    return "Net revenue in US dollars per month and platform. " + ". ".join(parts) + "."


def revenue_chart_svg(months: Sequence[MonthRevenue], *, chart_id: str = "revenue-chart") -> Markup:
    """An accessible SVG of net revenue per platform per month (months oldest first).

    ``chart_id`` prefixes the ids the accessible name refers to; pass distinct ones when a
    page shows several charts. With no month, the SVG says there is nothing to chart.
    """
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="revenue-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">Monthly net revenue per platform (USD)</title>'
    ).format(w=WIDTH, h=HEIGHT, id=chart_id)
    if not months or not months[0].platforms:
        return head + Markup(
            '<desc id="{id}-desc">No revenue to chart yet.</desc>'
            '<text x="{x}" y="{y}" text-anchor="middle" font-family="sans-serif" '
            'font-size="14">No revenue to chart yet</text></svg>'
        ).format(id=chart_id, x=WIDTH / 2, y=HEIGHT / 2)
    platforms = [cell.platform for cell in months[0].platforms]
    values = [float(cell.net_revenue) for month in months for cell in month.platforms]
    ticks = _ticks(min(0.0, *values), max(0.0, *values))
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [
        head,
        Markup('<desc id="{id}-desc">{text}</desc>').format(id=chart_id, text=_describe(months)),
        Markup('<g font-family="sans-serif" font-size="11" fill="#222">'),
    ]
    for tick in ticks:
        parts.append(
            Markup(
                '<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="{stroke}" '
                'stroke-width="1"/><text x="{tx}" y="{ty:.1f}" text-anchor="end">{label}</text>'
            ).format(
                x1=LEFT,
                x2=WIDTH - RIGHT,
                y=y(tick),
                stroke="#444" if tick == 0 else "#ddd",
                tx=LEFT - 6,
                ty=y(tick) + 4,
                label=_tick_label(tick),
            )
        )
    parts.append(
        Markup(
            '<text transform="translate(14 {y:.1f}) rotate(-90)" text-anchor="middle">'
            "Net revenue (USD)</text>"
        ).format(y=TOP + plot_h / 2)
    )
    group_w = plot_w / len(months)
    bar_w = group_w * 0.7 / len(platforms)
    zero = y(0.0)
    for m, month in enumerate(months):
        x0 = LEFT + m * group_w + group_w * 0.15
        for p, cell in enumerate(month.platforms):
            top, bottom = sorted((y(float(cell.net_revenue)), zero))
            parts.append(
                Markup(
                    '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                    'fill="{fill}"><title>{label}</title></rect>'
                ).format(
                    x=x0 + p * bar_w,
                    y=top,
                    w=bar_w * 0.92,
                    h=max(bottom - top, 0.5),
                    fill=PALETTE[p % len(PALETTE)],
                    label=f"{platform_label(cell.platform)}, {month_label(month)}: "
                    f"{usd(cell.net_revenue)}",
                )
            )
        parts.append(
            Markup('<text x="{x:.1f}" y="{y}" text-anchor="middle">{label}</text>').format(
                x=LEFT + (m + 0.5) * group_w, y=TOP + plot_h + 16, label=month_label(month)
            )
        )
    parts.append(
        Markup(
            '<text x="{x:.1f}" y="{y}" text-anchor="middle">'
            "Month (30 days, counted back from the as-of date)</text>"
        ).format(x=LEFT + plot_w / 2, y=TOP + plot_h + 34)
    )
    legend_y = HEIGHT - 18
    x = float(LEFT)
    for p, platform in enumerate(platforms):
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="{ry}" width="12" height="12" fill="{fill}"/>'
                '<text x="{tx:.1f}" y="{ty}">{name}</text>'
            ).format(
                x=x,
                ry=legend_y - 9,
                fill=PALETTE[p % len(PALETTE)],
                tx=x + 17,
                ty=legend_y + 1,
                name=platform_label(platform),
            )
        )
        x += 30 + 7 * len(platform_label(platform))
    parts.append(Markup("</g></svg>"))
    return Markup("").join(parts)
