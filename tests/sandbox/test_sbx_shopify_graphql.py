"""The GraphQL Admin API (reference 3, 4): cursor paging, cost and throttling, the schema's
errors, scopes and the 60-day window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopify_client import (
    ANCHOR_TS,
    DAY,
    ORDERS_QUERY,
    PERSONAS,
    Clock,
    Shopify,
    client_for,
    make_config,
)

STEADY = PERSONAS["shopify_steady"]
WINDOW_START, WINDOW_END = ANCHOR_TS - 20 * DAY, ANCHOR_TS
WINDOW = "created_at:>='2025-02-09T00:00:00Z' AND created_at:<'2025-03-01T00:00:00Z'"


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    async with client_for(make_config(clock)) as client:
        yield Shopify(client, clock)


async def _truth(shopify: Shopify, persona: str, start: int, end: int) -> dict[str, Any]:
    response = await shopify.client.get(
        f"/_sandbox/shopify/ground-truth/{persona}", params={"start": start, "end": end}
    )
    result: dict[str, Any] = response.json()
    return result


async def _pull(first: int, reverse: bool) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    clock = Clock(ANCHOR_TS + 3600.0)
    async with client_for(make_config(clock, graphql_bucket_size=10**9)) as client:
        shopify = Shopify(client, clock)
        token = await shopify.access_token("shopify_steady")
        query = ORDERS_QUERY.replace(
            "sortKey: CREATED_AT", f"sortKey: CREATED_AT, reverse: {str(reverse).lower()}"
        )
        nodes: list[dict[str, Any]] = []
        after, pages = None, 0
        while True:
            body = (
                await shopify.graphql(
                    STEADY, token, query, {"first": first, "after": after, "q": WINDOW}
                )
            ).json()
            connection = body["data"]["orders"]
            assert len(connection["edges"]) <= first
            nodes.extend(e["node"] for e in connection["edges"])
            pages += 1
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        truth = await _truth(shopify, "shopify_steady", WINDOW_START, WINDOW_END)
        return nodes, truth, pages


class TestPaging:
    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(first=st.integers(min_value=1, max_value=250), reverse=st.booleans())
    def test_every_non_test_order_exactly_once(self, first: int, reverse: bool) -> None:
        nodes, truth, pages = asyncio.run(_pull(first, reverse))
        real = [n for n in nodes if not n["test"]]
        ids = [n["id"] for n in real]
        assert len(ids) == len(set(ids))
        assert sorted(ids, key=lambda g: int(g.rsplit("/", 1)[1])) == truth["order_ids"]
        assert sorted(n["id"] for n in nodes if n["test"]) == sorted(truth["test_order_ids"])
        keys = [(n["createdAt"], n["id"]) for n in nodes]
        assert keys == sorted(keys, reverse=reverse)
        assert pages == max(1, -(-len(nodes) // first))

    async def test_last_and_before_walk_backwards(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        query = (
            "query($c: String) { orders(first: 5, after: $c, sortKey: CREATED_AT) "
            "{ edges { cursor node { id } } pageInfo { hasPreviousPage hasNextPage } } }"
        )
        page1 = (await shopify.graphql(STEADY, token, query, {"c": None})).json()["data"]
        cursor = page1["orders"]["edges"][-1]["cursor"]
        page2 = (await shopify.graphql(STEADY, token, query, {"c": cursor})).json()["data"]
        assert page2["orders"]["pageInfo"]["hasPreviousPage"] is True
        back_query = (
            "query($c: String) { orders(last: 5, before: $c, sortKey: CREATED_AT) "
            "{ edges { node { id } } } }"
        )
        first_cursor = page2["orders"]["edges"][0]["cursor"]
        back = (await shopify.graphql(STEADY, token, back_query, {"c": first_cursor})).json()
        assert [e["node"]["id"] for e in back["data"]["orders"]["edges"]] == [
            e["node"]["id"] for e in page1["orders"]["edges"]
        ]

    async def test_money_is_a_decimal_string_in_the_shop_currency(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_eu")
        nodes, _ = await shopify.pull_graphql(PERSONAS["shopify_eu"], token, 250, WINDOW)
        money = [n["totalPriceSet"]["shopMoney"] for n in nodes]
        assert money and all(m["currencyCode"] == "EUR" for m in money)
        assert all(len(m["amount"].split(".")[1]) == 2 for m in money)

    async def test_bad_cursor_is_an_error(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        body = (
            await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 5, "after": "%%%"})
        ).json()
        assert body["data"]["orders"] is None
        assert body["errors"][0]["path"] == ["orders"]


class TestCostAndThrottle:
    async def test_cost_extension_on_every_response(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        body = (
            await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 250, "q": WINDOW})
        ).json()
        cost = body["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 252
        returned = len(body["data"]["orders"]["edges"])
        assert cost["actualQueryCost"] == 2 + returned
        status = cost["throttleStatus"]
        assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0
        assert status["currentlyAvailable"] == 2000 - cost["actualQueryCost"]

    async def test_throttled_when_drained_then_recovers_after_restore_time(
        self, shopify: Shopify
    ) -> None:
        token = await shopify.access_token("shopify_steady")
        # An empty window returns nothing, so each call keeps only 2 of its 252 points; a
        # full window keeps them all. Drain with full pages on a frozen clock.
        variables = {"first": 250, "q": "created_at:>='2024-06-01T00:00:00Z'"}
        statuses = []
        for _ in range(10):
            body = (await shopify.graphql(STEADY, token, ORDERS_QUERY, variables)).json()
            statuses.append(body)
            if "errors" in body:
                break
        throttled = statuses[-1]
        assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert throttled["errors"][0]["message"] == "Throttled"
        assert "data" not in throttled
        cost = throttled["extensions"]["cost"]
        assert cost["actualQueryCost"] is None
        available = cost["throttleStatus"]["currentlyAvailable"]
        assert available < 252
        wait = (252 - available) / 100
        shopify.clock.advance(wait - 0.05)
        still = (await shopify.graphql(STEADY, token, ORDERS_QUERY, variables)).json()
        assert still["errors"][0]["extensions"]["code"] == "THROTTLED"
        shopify.clock.advance(0.1)
        ok = (await shopify.graphql(STEADY, token, ORDERS_QUERY, variables)).json()
        assert "errors" not in ok and len(ok["data"]["orders"]["edges"]) == 250

    async def test_single_query_max_cost(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        query = (
            "{ a: orders(first: 250) { nodes { id } } b: orders(first: 250) { nodes { id } }"
            " c: orders(first: 250) { nodes { id } } d: orders(first: 250) { nodes { id } } }"
        )
        body = (await shopify.graphql(STEADY, token, query)).json()
        assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"

    async def test_page_size_over_250_is_refused(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        body = (await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 251})).json()
        assert body["data"]["orders"] is None and body["errors"]


class TestSchema:
    async def test_connector_shop_and_products_count_query(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        query = (
            "{ shop { id name createdAt currencyCode plan { displayName partnerDevelopment "
            "shopifyPlus } } productsCount { count } }"
        )
        body = (await shopify.graphql(STEADY, token, query)).json()
        shop = body["data"]["shop"]
        assert shop["name"] == "Steady Goods Co" and shop["currencyCode"] == "USD"
        assert shop["id"].startswith("gid://shopify/Shop/") and shop["createdAt"].endswith("Z")
        assert shop["plan"] == {
            "displayName": "Basic",
            "partnerDevelopment": False,
            "shopifyPlus": False,
        }
        assert body["data"]["productsCount"] == {"count": 48}

    @pytest.mark.parametrize(
        ("query", "fragment"),
        [
            ("{ shop { nmae } }", "Field 'nmae' doesn't exist on type 'Shop'"),
            ("{ orders(first: 1) { nodes { id { x } } } }", "Selections can't be made on scalars"),
            ("{ shop }", "Field must have selections"),
            ("{ orders(frist: 1) { nodes { id } } }", "doesn't accept argument 'frist'"),
            ('{ orders(first: "x") { nodes { id } } }', "has an invalid value"),
            ("{ shop { name ", "end of document"),
            ("mutation { orderCancel { id } }", "doesn't exist on type 'Mutation'"),
            ("{ ...F } fragment F on QueryRoot { shop { name } }", "Fragments are not supported"),
        ],
    )
    async def test_unsupported_documents_answer_graphql_errors(
        self, shopify: Shopify, query: str, fragment: str
    ) -> None:
        token = await shopify.access_token("shopify_steady")
        response = await shopify.graphql(STEADY, token, query)
        assert response.status_code == 200
        body = response.json()
        assert "data" not in body
        assert any(fragment in e["message"] for e in body["errors"]), body
        assert body["extensions"]["cost"]["requestedQueryCost"] == 0

    async def test_missing_required_variable(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        body = (await shopify.graphql(STEADY, token, ORDERS_QUERY, {})).json()
        assert (
            "Variable $first of type Int! was provided invalid value"
            in body["errors"][0]["message"]
        )

    async def test_customer_pii_is_served_when_asked(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        query = "{ orders(first: 5, reverse: true) { nodes { email customer { id email } } } }"
        body = (await shopify.graphql(STEADY, token, query)).json()
        truth = await _truth(shopify, "shopify_steady", 0, 2**40)
        nodes = body["data"]["orders"]["nodes"]
        assert all(n["email"] in truth["pii_values"] for n in nodes)


class TestAccess:
    async def test_bad_token_is_401_with_the_reference_body(self, shopify: Shopify) -> None:
        response = await shopify.graphql(STEADY, "shpat_" + "0" * 32, "{ shop { name } }")
        assert response.status_code == 401
        assert response.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }

    async def test_token_of_another_shop_is_401(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_eu")
        response = await shopify.graphql(STEADY, token, "{ shop { name } }")
        assert response.status_code == 401

    async def test_missing_scope_is_access_denied(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady", ["read_products"])
        body = (await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 5})).json()
        assert body["data"] == {"orders": None}
        assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
        assert "read_orders" in body["errors"][0]["message"]

    async def test_write_scope_implies_read(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady", ["write_orders"])
        body = (await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 5})).json()
        assert len(body["data"]["orders"]["edges"]) == 5

    async def test_sixty_day_window_without_read_all_orders(self, shopify: Shopify) -> None:
        limited = await shopify.access_token("shopify_steady", ["read_orders"])
        full = await shopify.access_token("shopify_steady")
        short, _ = await shopify.pull_graphql(STEADY, limited, 250, None)
        everything, _ = await shopify.pull_graphql(STEADY, full, 250, None)
        cut = shopify.clock.now - 60 * DAY
        truth = await _truth(shopify, "shopify_steady", int(cut), ANCHOR_TS)
        visible = [n for n in short if not n["test"]]
        assert len(visible) == truth["orders"]["count"]
        assert len(everything) > len(short) * 2
        shopify.clock.advance(10 * DAY)  # the window moves with the clock
        later, _ = await shopify.pull_graphql(STEADY, limited, 250, None)
        assert len(later) < len(short)

    async def test_unsupported_version_is_404_and_old_ones_fall_forward(
        self, shopify: Shopify
    ) -> None:
        token = await shopify.access_token("shopify_steady")
        missing = await shopify.graphql(STEADY, token, "{ shop { name } }", version="2099-13")
        assert missing.status_code == 404
        old = await shopify.graphql(STEADY, token, "{ shop { name } }", version="2023-01")
        assert old.status_code == 200
        assert old.headers["x-shopify-api-version"] == "2025-07"


class TestSmallQueries:
    async def test_single_order_scopes_and_search_warnings(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        listed = (await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 1})).json()
        gid = listed["data"]["orders"]["edges"][0]["node"]["id"]
        query = (
            "query($id: ID!) { order(id: $id) { id name } "
            "currentAppInstallation { accessScopes { handle } } }"
        )
        body = (await shopify.graphql(STEADY, token, query, {"id": gid})).json()
        assert body["data"]["order"]["id"] == gid
        handles = [s["handle"] for s in body["data"]["currentAppInstallation"]["accessScopes"]]
        assert handles == ["read_orders", "read_products", "read_all_orders"]
        warned = (
            await shopify.graphql(STEADY, token, ORDERS_QUERY, {"first": 1, "q": "colour:blue"})
        ).json()
        assert warned["extensions"]["search"][0]["warnings"][0]["field"] == "colour"
        assert len(warned["data"]["orders"]["edges"]) == 1
