"""Every error the API answers has one JSON shape, says what is wrong, and is documented."""

from __future__ import annotations

from tests.harness import Harness

AUTHENTICATED = [
    ("get", "/api/me"),
    ("get", "/api/connections"),
    ("get", "/api/score"),
    ("post", "/api/grants"),
    ("delete", "/api/grants/{grant_id}"),
    ("post", "/api/shopify/connect"),
    ("post", "/api/amazon/orders/verify"),
    ("get", "/v1/borrowers/{borrower_id}/score"),
]


class TestErrorShapes:
    async def test_invalid_body_names_the_field(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        response = await harness.service.post("/api/grants", json={"lender_id": 5}, headers=headers)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["message"].startswith("body.lender_id: ")
        assert error["details"][0]["loc"] == ["body", "lender_id"]

    async def test_invalid_input_is_not_echoed(self, harness: Harness) -> None:
        headers = await harness.sign_in("a")
        secret = "shpat_" + "é" * 20  # a token with characters no Shopify token has
        response = await harness.service.post(
            "/api/shopify/connect",
            json={"shopDomain": "x.myshopify.com", "accessToken": secret},
            headers=headers,
        )
        assert response.status_code == 422
        assert "visible ASCII" in response.json()["error"]["message"]
        assert secret not in response.text

    async def test_a_body_that_is_not_utf8_is_a_422(self, harness: Harness) -> None:
        headers = {**await harness.sign_in("a"), "content-type": "application/json"}
        response = await harness.service.post("/api/grants", content=b"\xff\xfe", headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"

    async def test_unknown_routes_and_methods_answer_in_the_same_shape(
        self, harness: Harness
    ) -> None:
        missing = await harness.service.get("/api/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        wrong = await harness.service.put("/api/me")
        assert wrong.status_code == 405
        assert wrong.json()["error"]["code"] == "method_not_allowed"
        assert "GET" in wrong.headers["allow"]

    async def test_authenticated_routes_document_401_with_the_error_model(
        self, harness: Harness
    ) -> None:
        paths = harness.app.openapi()["paths"]
        for method, path in AUTHENTICATED:
            documented = paths[path][method]["responses"]
            assert "401" in documented, (method, path)
            schema = documented["401"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
