"""Paging both order APIs returns every order exactly once, whatever the page size."""

from __future__ import annotations

import asyncio

from amazon_client import ANCHOR_TS, Amz, Clock, amazon_sandbox
from amazon_flows import iso, pages_2026, pages_v0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = 86400
START, END = ANCHOR_TS - 12 * DAY, ANCHOR_TS - 2 * DAY
PERSONA = st.sampled_from(["amazon_us", "amazon_eu", "amazon_declining"])


async def truth_ids(amz: Amz, persona: str) -> list[str]:
    body = (
        await amz.client.get(
            f"/_sandbox/amazon/ground-truth/{persona}", params={"start": START, "end": END}
        )
    ).json()
    return list(body["order_ids"])


class TestEveryOrderOnce:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(persona=PERSONA, size=st.integers(min_value=1, max_value=100))
    def test_v0_get_orders(self, persona: str, size: int) -> None:
        async def run() -> None:
            async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0), time_scale=1e9) as amz:
                token = (await amz.login(persona))["access_token"]
                bodies = await pages_v0(amz, token, persona, START, END, size)
                ids = [o["AmazonOrderId"] for b in bodies for o in b["payload"]["Orders"]]
                assert all(len(b["payload"]["Orders"]) <= size for b in bodies)
                assert len(ids) == len(set(ids))
                assert sorted(ids) == sorted(await truth_ids(amz, persona))

        asyncio.run(run())

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(persona=PERSONA, size=st.integers(min_value=1, max_value=100))
    def test_v2026_search_orders(self, persona: str, size: int) -> None:
        async def run() -> None:
            async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0), time_scale=1e9) as amz:
                token = (await amz.login(persona))["access_token"]
                bodies = await pages_2026(amz, token, START, END, size, "PROCEEDS")
                ids = [o["orderId"] for b in bodies for o in b["orders"]]
                assert len(ids) == len(set(ids))
                assert sorted(ids) == sorted(await truth_ids(amz, persona))

        asyncio.run(run())


class TestPageTokens:
    async def test_changed_parameters_with_pagination_token_are_refused(self) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0), time_scale=1e9) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            first = await amz.get(
                token,
                "/orders/2026-01-01/orders",
                {"createdAfter": iso(START), "maxResultsPerPage": 5},
            )
            next_token = first.json()["pagination"]["nextToken"]
            params = {"createdAfter": iso(START + 1), "paginationToken": next_token}
            changed = await amz.get(token, "/orders/2026-01-01/orders", params)
            assert (
                changed.status_code == 400 and changed.json()["errors"][0]["code"] == "InvalidInput"
            )

    async def test_forged_and_foreign_tokens_are_refused(self) -> None:
        async with amazon_sandbox(Clock(ANCHOR_TS + 3600.0), time_scale=1e9) as amz:
            us = (await amz.login("amazon_us"))["access_token"]
            other = (await amz.login("amazon_declining"))["access_token"]
            params = {
                "MarketplaceIds": "ATVPDKIKX0DER",
                "CreatedAfter": iso(START),
                "MaxResultsPerPage": 5,
            }
            next_token = (await amz.get(us, "/orders/v0/orders", params)).json()["payload"][
                "NextToken"
            ]
            follow = {"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": next_token}
            assert (await amz.get(other, "/orders/v0/orders", follow)).status_code == 400
            forged = {"MarketplaceIds": "ATVPDKIKX0DER", "NextToken": next_token[:-2] + "00"}
            assert (await amz.get(us, "/orders/v0/orders", forged)).status_code == 400

    async def test_pagination_token_expires_after_a_day(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        async with amazon_sandbox(clock, time_scale=1e9) as amz:
            token = (await amz.login("amazon_us"))["access_token"]
            params = {"createdAfter": iso(START), "createdBefore": iso(END), "maxResultsPerPage": 5}
            next_token = (await amz.get(token, "/orders/2026-01-01/orders", params)).json()[
                "pagination"
            ]["nextToken"]
            clock.advance(DAY + 1)
            token = (await amz.login("amazon_us"))["access_token"]
            late = await amz.get(
                token, "/orders/2026-01-01/orders", {**params, "paginationToken": next_token}
            )
            assert late.status_code == 400
