"""Choosing the report's format from ?format= and the Accept header."""

from __future__ import annotations

import pytest

from app.reports.endpoints import NotAcceptable, negotiate


class TestNegotiate:
    @pytest.mark.parametrize(
        ("accept", "chosen"),
        [
            (None, "json"),
            ("", "json"),
            ("*/*", "json"),
            ("application/json", "json"),
            ("text/html", "html"),
            ("application/pdf", "pdf"),
            ("TEXT/HTML; charset=utf-8", "html"),
            ("text/*", "html"),
            ("application/*", "json"),  # json before pdf when both are equally welcome
            ("application/*;q=0.5, application/pdf", "pdf"),
            ("text/html;q=0.2, application/json;q=0.9", "json"),
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
            ("application/json;q=0, */*", "html"),  # the most specific range wins
        ],
    )
    def test_by_accept(self, accept: str | None, chosen: str) -> None:
        assert negotiate(None, accept) == chosen

    @pytest.mark.parametrize("fmt", ["json", "html", "pdf", "PDF", "Html"])
    def test_query_wins_over_accept(self, fmt: str) -> None:
        assert negotiate(fmt, "image/png") == fmt.lower()

    @pytest.mark.parametrize(
        "accept",
        [
            "image/png",
            "application/json;q=0, text/html;q=0, application/pdf;q=0",
            "*/*;q=0",
            "text/html;q=oops",
        ],
    )
    def test_nothing_acceptable(self, accept: str) -> None:
        with pytest.raises(NotAcceptable) as caught:
            negotiate(None, accept)
        assert caught.value.status_code == 406

    def test_an_unknown_format_is_named_harmlessly(self) -> None:
        with pytest.raises(NotAcceptable) as caught:
            negotiate("<x>", None)
        assert "'?x?'" in caught.value.message
        assert "json, html or pdf" in caught.value.message
