"""The monthly revenue chart: valid, accessible SVG whose bars say what the data says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.chart import revenue_chart_svg
from app.reports.schemas import MonthRevenue, PlatformMonth

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 1, 1, tzinfo=UTC)


def cell(platform: str, net: str) -> PlatformMonth:
    amount = Decimal(net)
    return PlatformMonth(
        platform=platform,
        covered_days=30.0,
        sales=max(amount, Decimal("0.00")),
        orders=1,
        refunds=max(-amount, Decimal("0.00")),
        refunded_returns=0,
        return_requests=0,
        commissions=Decimal("0.00"),
        commission_orders=0,
        net_revenue=amount,
    )


def months(*rows: dict[str, str]) -> list[MonthRevenue]:
    out = []
    for i, row in enumerate(rows):
        cells = [cell(platform, net) for platform, net in row.items()]
        out.append(
            MonthRevenue(
                start=START + timedelta(days=30 * i),
                end=START + timedelta(days=30 * (i + 1)),
                platforms=cells,
                net_revenue=sum((c.net_revenue for c in cells), Decimal("0.00")),
            )
        )
    return out


def parse(markup: object) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - markup this module just generated


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


class TestRevenueChart:
    def test_is_an_accessible_image(self) -> None:
        data = months({"tiktok_shop": "1200.50", "shopify": "300.00"}, {"tiktok_shop": "900"})
        svg = parse(revenue_chart_svg(data[:1]))
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == "revenue-chart-title revenue-chart-desc"
        title = svg.find(f"{SVG}title")
        desc = svg.find(f"{SVG}desc")
        assert title is not None and title.get("id") == "revenue-chart-title"
        assert desc is not None and desc.text is not None
        assert "TikTok Shop $1,200.50" in desc.text and "Shopify $300.00" in desc.text
        assert "total $1,500.50" in desc.text
        texts = [t.text for t in svg.iter(f"{SVG}text")]
        assert "Net revenue (USD)" in texts and "TikTok Shop" in texts and "Shopify" in texts

    def test_one_bar_per_platform_and_month_and_taller_for_more(self) -> None:
        data = months(
            {"tiktok_shop": "1000", "shopify": "250"}, {"tiktok_shop": "500", "shopify": "0"}
        )
        found = bars(parse(revenue_chart_svg(data)))
        assert len(found) == 4
        heights = [float(r.get("height", "0")) for r in found]
        assert heights[0] == max(heights)
        assert abs(heights[0] - 2 * heights[2]) < 0.2  # $1,000 twice as tall as $500

    def test_a_negative_month_hangs_below_zero(self) -> None:
        data = months({"tiktok_shop": "400"}, {"tiktok_shop": "-200"})
        up, down = bars(parse(revenue_chart_svg(data)))
        assert (
            float(down.get("y", "0"))
            >= float(up.get("y", "0")) + float(up.get("height", "0")) - 0.2
        )

    def test_names_are_escaped(self) -> None:
        svg = str(revenue_chart_svg(months({"<script>alert(1)</script>": "10"})))
        assert "<script>" not in svg
        parse(svg)

    def test_nothing_to_chart(self) -> None:
        svg = parse(revenue_chart_svg([]))
        desc = svg.find(f"{SVG}desc")
        assert desc is not None and desc.text == "No revenue to chart yet."

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False),
                min_size=3,
                max_size=3,
            ),
            min_size=1,
            max_size=4,
        )
    )
    def test_any_figures_give_bars_inside_the_plot(self, rows: list[list[Decimal]]) -> None:
        names = ("tiktok_shop", "shopify", "amazon")
        data = months(*[dict(zip(names, map(str, row), strict=True)) for row in rows])
        svg = parse(revenue_chart_svg(data))
        found = bars(svg)
        assert len(found) == 3 * len(rows)
        for rect in found:
            top, height = float(rect.get("y", "0")), float(rect.get("height", "0"))
            assert top >= 15.9 and top + height <= 300 - 78 + 0.6
