"""The legacy REST Admin API (reference 2, 4, 6, 7): orders with Link-header paging equal to
GraphQL, the call-limit bucket, shop.json, access scopes, custom-app tokens and error bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from shopify_client import (
    ANCHOR_TS,
    DAY,
    PERSONAS,
    Clock,
    Shopify,
    client_for,
    gid_number,
    make_config,
)

STEADY = PERSONAS["shopify_steady"]
INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@pytest.fixture
async def shopify(clock: Clock) -> AsyncIterator[Shopify]:
    async with client_for(make_config(clock, rest_bucket_size=10_000)) as client:
        yield Shopify(client, clock)


class TestOrdersPaging:
    @pytest.mark.parametrize("limit", [1, 37, 250])
    async def test_link_paging_equals_graphql(self, shopify: Shopify, limit: int) -> None:
        token = await shopify.access_token("shopify_growing")
        shop = PERSONAS["shopify_growing"]
        days = 3 if limit == 1 else 30
        rest = await shopify.pull_rest(
            shop,
            token,
            {
                "status": "any",
                "limit": str(limit),
                "created_at_min": "2025-01-30T00:00:00Z" if days == 30 else "2025-02-26T00:00:00Z",
                "created_at_max": "2025-02-28T23:59:59Z",
            },
        )
        window = (
            f"created_at:>='{'2025-01-30' if days == 30 else '2025-02-26'}T00:00:00Z' "
            "AND created_at:<'2025-03-01T00:00:00Z'"
        )
        nodes, _ = await shopify.pull_graphql(shop, token, 250, window)
        assert [o["id"] for o in rest] == sorted((o["id"] for o in rest), reverse=True)
        assert sorted(o["id"] for o in rest) == sorted(gid_number(n["id"]) for n in nodes)
        by_id = {gid_number(n["id"]): n for n in nodes}
        for order in rest:
            node = by_id[order["id"]]
            assert order["admin_graphql_api_id"] == node["id"]
            assert order["total_price"] == node["totalPriceSet"]["shopMoney"]["amount"]
            assert order["test"] == node["test"]
        assert rest

    async def test_link_header_has_previous_and_next(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        first = await shopify.rest(STEADY, token, "orders.json", {"status": "any", "limit": "3"})
        assert first.headers["link"].endswith('rel="next"')
        assert 'rel="previous"' not in first.headers["link"]
        next_url = first.headers["link"].split(";")[0].strip("<>")
        assert next_url.startswith(
            f"http://sandbox/shopify/{STEADY}/admin/api/2026-07/orders.json?"
        )
        second = await shopify.rest(STEADY, token, next_url)
        links = second.headers["link"].split(", ")
        assert links[0].endswith('rel="previous"') and links[1].endswith('rel="next"')
        back = await shopify.rest(STEADY, token, links[0].split(";")[0].strip("<>"))
        assert back.json() == first.json()

    async def test_page_info_refuses_other_filters(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        first = await shopify.rest(STEADY, token, "orders.json", {"status": "any", "limit": "3"})
        next_url = first.headers["link"].split(";")[0].strip("<>")
        bad = await shopify.rest(STEADY, token, next_url + "&status=any")
        assert bad.status_code == 400 and "page_info" in bad.json()["errors"]
        fields = await shopify.rest(STEADY, token, next_url + "&fields=id")
        assert fields.status_code == 200
        assert all(set(o) == {"id"} for o in fields.json()["orders"])
        tampered = next_url.replace("page_info=ey", "page_info=ez")
        assert (await shopify.rest(STEADY, token, tampered)).status_code == 400

    async def test_status_defaults_to_open(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        default = await shopify.rest(STEADY, token, "orders.json", {"limit": "250"})
        assert all(
            o["closed_at"] is None and o["cancelled_at"] is None for o in default.json()["orders"]
        )
        count_any = await shopify.rest(STEADY, token, "orders/count.json", {"status": "any"})
        count_open = await shopify.rest(STEADY, token, "orders/count.json")
        cancelled = await shopify.rest(STEADY, token, "orders/count.json", {"status": "cancelled"})
        assert count_open.json()["count"] < count_any.json()["count"]
        assert cancelled.json()["count"] > 0

    async def test_limit_above_250_is_400(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        response = await shopify.rest(STEADY, token, "orders.json", {"limit": "251"})
        assert response.status_code == 400

    async def test_single_order_and_pii_as_the_real_api_returns_it(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        listed = await shopify.rest(STEADY, token, "orders.json", {"status": "any", "limit": "1"})
        order = listed.json()["orders"][0]
        single = await shopify.rest(STEADY, token, f"orders/{order['id']}.json")
        assert single.json() == {"order": order}
        assert order["email"] and order["shipping_address"]["address1"]
        assert order["created_at"].endswith(("-05:00", "-04:00"))


class TestCallLimit:
    async def test_bucket_of_40_leaking_2_per_second(self, clock: Clock) -> None:
        async with client_for(make_config(clock)) as client:
            shopify = Shopify(client, clock)
            token = await shopify.access_token("shopify_steady")
            for used in range(1, 41):
                response = await shopify.rest(STEADY, token, "shop.json")
                assert response.headers["x-shopify-shop-api-call-limit"] == f"{used}/40"
            throttled = await shopify.rest(STEADY, token, "shop.json")
            assert throttled.status_code == 429
            assert float(throttled.headers["retry-after"]) > 0
            assert throttled.json() == {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                "resume uninterrupted service."
            }
            clock.advance(float(throttled.headers["retry-after"]))
            again = await shopify.rest(STEADY, token, "shop.json")
            assert again.status_code == 200
            assert again.headers["x-shopify-shop-api-call-limit"] == "40/40"
            clock.advance(20)
            assert (await shopify.rest(STEADY, token, "shop.json")).headers[
                "x-shopify-shop-api-call-limit"
            ] == "1/40"


class TestShopAndScopes:
    async def test_shop_json_fields(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_eu")
        shop = (await shopify.rest(PERSONAS["shopify_eu"], token, "shop.json")).json()["shop"]
        assert shop["myshopify_domain"] == "berlin-brew.myshopify.com"
        assert shop["currency"] == "EUR" and shop["iana_timezone"] == "Europe/Berlin"
        assert shop["plan_name"] == "basic" and shop["created_at"][-6:] in ("+01:00", "+02:00")

    async def test_new_store_was_created_five_days_before_the_anchor(
        self, shopify: Shopify
    ) -> None:
        token = await shopify.access_token("shopify_new")
        shop_domain = PERSONAS["shopify_new"]
        shop = (await shopify.rest(shop_domain, token, "shop.json")).json()["shop"]
        assert shop["created_at"].startswith("2025-02-2")
        count = await shopify.rest(shop_domain, token, "orders/count.json", {"status": "any"})
        assert count.json() == {"count": 0}

    async def test_missing_scope_is_403_with_the_reference_body(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady", ["read_products"])
        response = await shopify.rest(STEADY, token, "orders.json", {"status": "any"})
        assert response.status_code == 403
        assert response.json() == {
            "errors": "[API] This action requires merchant approval for read_orders scope."
        }

    async def test_bad_token_is_401(self, shopify: Shopify) -> None:
        response = await shopify.rest(STEADY, "shpat_nope", "shop.json")
        assert response.status_code == 401 and response.json() == {"errors": INVALID}
        missing = await shopify.client.get(f"/shopify/{STEADY}/admin/api/2026-07/shop.json")
        assert missing.status_code == 401

    async def test_sixty_day_window(self, shopify: Shopify) -> None:
        limited = await shopify.access_token("shopify_steady", ["read_orders"])
        orders = await shopify.pull_rest(STEADY, limited, {"status": "any", "limit": "250"})
        truth = (
            await shopify.client.get(
                "/_sandbox/shopify/ground-truth/shopify_steady",
                params={"start": int(shopify.clock.now) - 60 * DAY, "end": ANCHOR_TS},
            )
        ).json()
        assert len(orders) == truth["orders"]["count"] + len(truth["test_order_ids"])
        old = await shopify.access_token("shopify_steady")
        everything = await shopify.pull_rest(STEADY, old, {"status": "any", "limit": "250"})
        oldest = min(everything, key=lambda o: o["id"])
        hidden = await shopify.rest(STEADY, limited, f"orders/{oldest['id']}.json")
        assert hidden.status_code == 404


class TestCustomAppTokens:
    async def test_listed_tokens_work_on_their_own_shop_only(self, shopify: Shopify) -> None:
        tokens = (await shopify.client.get("/_sandbox/shopify/custom-app-tokens")).json()
        assert set(tokens) == set(PERSONAS)
        for persona, entry in tokens.items():
            assert entry["shop"] == PERSONAS[persona]
            assert entry["access_token"].startswith("shpat_") and len(entry["access_token"]) == 38
        token = tokens["shopify_steady"]["access_token"]
        scopes = await shopify.client.get(
            f"/shopify/{STEADY}/admin/oauth/access_scopes.json",
            headers={"X-Shopify-Access-Token": token},
        )
        handles = {s["handle"] for s in scopes.json()["access_scopes"]}
        assert {"read_orders", "read_all_orders"} <= handles
        elsewhere = await shopify.rest(PERSONAS["shopify_eu"], token, "shop.json")
        assert elsewhere.status_code == 401

    async def test_revoke_custom_app(self, shopify: Shopify) -> None:
        tokens = (await shopify.client.get("/_sandbox/shopify/custom-app-tokens")).json()
        token = tokens["shopify_steady"]["access_token"]
        await shopify.client.post(
            "/_sandbox/shopify/revoke", json={"persona": "shopify_steady", "app": "custom"}
        )
        assert (await shopify.rest(STEADY, token, "shop.json")).status_code == 401


class TestFaults:
    async def test_injected_errors_and_throttles_for_shopify(self, shopify: Shopify) -> None:
        token = await shopify.access_token("shopify_steady")
        set_faults = await shopify.client.post(
            "/_sandbox/faults",
            json={"platform": "shopify", "error_rate": 0.5, "rate_limit_rate": 0.5, "seed": 3},
        )
        assert set_faults.status_code == 200
        statuses = {(await shopify.rest(STEADY, token, "shop.json")).status_code for _ in range(20)}
        assert statuses == {503, 429}
        body = (await shopify.graphql(STEADY, token, "{ shop { name } }")).json()
        assert body.get("errors") or body == {"errors": "Internal Server Error"}
        await shopify.client.delete("/_sandbox/faults")
        assert (await shopify.rest(STEADY, token, "shop.json")).status_code == 200
