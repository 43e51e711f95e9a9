"""Offline accessibility checks of the borrower pages: labels, names, landmarks, contrast of the
palette (WCAG 2.2 relative luminance), and a layout that fits a 390 px phone."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.pages import STATIC_DIR
from tests.app.web.pages import Elements, csrf_of, elements, post_form
from tests.harness import Harness

CSS = (STATIC_DIR / "app.css").read_text()
# (foreground, background, minimum ratio): text needs 4.5:1, borders and focus rings 3:1.
PAIRS = (
    ("text", "page", 4.5),
    ("muted", "page", 4.5),
    ("link", "page", 4.5),
    ("button-text", "button", 4.5),
    ("secondary-text", "secondary", 4.5),
    ("tiktok-text", "tiktok", 4.5),
    ("ok-text", "ok", 4.5),
    ("bad-text", "bad", 4.5),
    ("warn-text", "warn", 4.5),
    ("muted", "panel", 4.5),
    ("focus", "page", 3.0),
    ("line", "page", 3.0),
)


def palette() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", CSS))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class TestContrast:
    def test_the_formula_matches_known_values(self) -> None:
        assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
        assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)

    @given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
    def test_is_symmetric_and_at_least_one(self, colour: str) -> None:
        assert contrast(colour, "#123456") == pytest.approx(contrast("#123456", colour))
        assert contrast(colour, colour) == pytest.approx(1.0)

    @pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS)
    def test_palette_pair(self, fg: str, bg: str, minimum: float) -> None:
        colours = palette()
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= minimum, f"--{fg} on --{bg} is {ratio:.2f}:1"


class TestPhoneLayout:
    def test_nothing_is_wider_than_the_phone(self) -> None:
        widths = [int(w) for w in re.findall(r"(?<![-\w])(?:min-)?width:\s*(\d+)px", CSS)]
        assert all(w <= 390 for w in widths), widths

    def test_long_words_wrap(self) -> None:
        assert "overflow-wrap: anywhere" in CSS


def check_page(page: Elements) -> None:
    """What every page must have for a screen reader and a keyboard."""
    (html,) = page.all("html")
    assert html.get("lang") == "en"
    assert page.all("main") and page.all("header")
    metas = [m.get("content", "") for m in page.all("meta") if m.get("name") == "viewport"]
    assert metas == ["width=device-width, initial-scale=1"]
    ids = Counter(attrs["id"] for _, attrs in page.tags if "id" in attrs)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    for field in page.all("input") + page.all("select"):
        if field.get("type") == "hidden":
            continue
        named = field.get("aria-label") or page.labels.get(field.get("id", ""), "").strip()
        assert named, f"unlabelled field {field}"
    for image in page.all("img"):
        assert "alt" in image
    for svg in page.all("svg"):
        # Decorative, or an image with a name: its own label or elements it points to.
        named_by = svg.get("aria-labelledby", "").split()
        assert svg.get("aria-hidden") == "true" or svg.get("aria-label") or named_by
        assert all(ids[i] == 1 for i in named_by), f"aria-labelledby points nowhere: {named_by}"
    for _, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), "inline handlers: use buttons"
    assert not [a for a in page.all("a") if a.get("role") == "button"]
    for form in page.all("form"):
        assert form.get("method") == "post", f"form {form} changes something: POST"


class TestPages:
    async def test_signed_out(self, harness: Harness) -> None:
        check_page(elements((await harness.service.get("/dashboard")).text))

    async def test_dashboard_with_a_connection_and_sharing(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        await harness.connect("steady_us", headers)
        dashboard = (await harness.service.get("/dashboard", headers=headers)).text
        check_page(elements(dashboard))
        assert 'role="status"' in dashboard and 'aria-live="polite"' in dashboard
        check_page(elements((await harness.service.get("/sharing", headers=headers)).text))

    async def test_error_and_refused_pages(self, harness: Harness) -> None:
        headers = await harness.sign_in("alice")
        failed = await harness.service.get("/dashboard?shopify_error=x", headers=headers)
        check_page(elements(failed.text))
        assert 'role="alert"' in failed.text
        csrf_of(failed.text)
        refused = await post_form(harness, "/connect/amazon", headers, {}, form_page=None)
        check_page(elements(refused.text))
