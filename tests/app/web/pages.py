"""Moves of a borrower on the pages, for the page tests: read a page, find its form token, post
a form the way a browser does."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from tests.harness import Harness


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes, and the text of each label."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "label" and "for" in values:
            self._label = values["for"]
            self.labels[self._label] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def csrf_of(html: str) -> str:
    tokens = {a["value"] for a in elements(html).all("input") if a.get("name") == "csrf_token"}
    assert len(tokens) == 1, f"expected one form token on the page, found {len(tokens)}"
    return tokens.pop()


async def dashboard(harness: Harness, headers: dict[str, str]) -> httpx.Response:
    response = await harness.service.get("/dashboard", headers=headers)
    assert response.status_code == 200
    return response


async def post_form(
    harness: Harness,
    path: str,
    headers: dict[str, str],
    data: dict[str, str],
    *,
    form_page: str | None = "/dashboard",
) -> httpx.Response:
    """Post ``data`` with the form token of the page at ``form_page`` (None: no token)."""
    form = dict(data)
    if form_page is not None:
        page = await harness.service.get(form_page, headers=headers)
        form["csrf_token"] = csrf_of(page.text)
    return await harness.service.post(path, data=form, headers=headers)
