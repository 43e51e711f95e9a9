"""An id in a request's path that no stored id could be is refused up front, never a 500.

A path can carry a NUL (``%00``), which PostgreSQL refuses in text outright: before the ids
were checked, these requests failed their queries with a database error.
"""

from __future__ import annotations

import pytest

from app.kit.ids import is_id
from tests.app.web.pages import post_form
from tests.e2e.test_tiktok_shop_flow import make_lender
from tests.harness import Harness

NOT_IDS = ("%00", "a%0Ab", "ab%0A", "%7F", "x" * 65)


@pytest.mark.parametrize("not_id", NOT_IDS)
async def test_api_paths_answer_422(harness: Harness, not_id: str) -> None:
    borrower = await harness.sign_in("alice")
    _, key = await make_lender(harness, ("scores:read", "reports:read", "webhooks:manage"))
    lender = {"Authorization": f"Bearer {key}"}
    requests = [
        ("GET", f"/v1/borrowers/{not_id}/score", lender),
        ("GET", f"/v1/borrowers/{not_id}/report", lender),
        ("DELETE", f"/api/grants/{not_id}", borrower),
        ("DELETE", f"/api/connections/{not_id}", borrower),
        ("DELETE", f"/v1/webhook-endpoints/{not_id}", lender),
        ("POST", f"/v1/webhook-endpoints/{not_id}/rotate-secret", lender),
        ("POST", f"/v1/webhook-endpoints/e/deliveries/{not_id}/redeliver", lender),
    ]
    for method, url, headers in requests:
        response = await harness.service.request(method, url, headers=headers)
        assert response.status_code == 422, url
        assert response.json()["error"]["code"] == "invalid_request", url


@pytest.mark.parametrize("not_id", NOT_IDS)
async def test_page_forms_answer_not_found(harness: Harness, not_id: str) -> None:
    headers = await harness.sign_in("alice")
    response = await post_form(harness, f"/connections/{not_id}/disconnect", headers, {})
    assert response.headers["location"] == "/dashboard?notice=not_found"
    response = await post_form(
        harness, f"/sharing/{not_id}/revoke", headers, {}, form_page="/sharing"
    )
    assert response.headers["location"] == "/sharing?notice=not_found"


def test_what_could_be_an_id() -> None:
    assert is_id("6f1c2b1e-0b7a-4c3e-9d2a-1f2e3d4c5b6a")
    assert is_id("x" * 64)
    assert not is_id("x" * 65)
    assert not is_id("")
    assert not any(is_id(f"a{chr(c)}b") for c in [*range(0x20), 0x7F])
    assert not is_id("ab\n")
