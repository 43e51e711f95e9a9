"""Paging: every record exactly once at any page size, opaque and query-bound page tokens."""

from __future__ import annotations

import asyncio
import base64
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tts_client import ANCHOR_TS, DAY, Clock, Tts, client_for, make_config, shop_cipher

ORDERS = "/order/202309/orders/search"
WINDOW = {"create_time_ge": ANCHOR_TS - 10 * DAY, "create_time_lt": ANCHOR_TS}


async def _pull_orders(page_size: int, sort_field: str, sort_order: str) -> tuple[Any, Any, Any]:
    clock = Clock(ANCHOR_TS + 3600.0)
    config = make_config(clock, rate_limit_per_second=100_000)
    async with client_for(config) as client:
        tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        query = {
            "shop_cipher": cipher,
            "page_size": str(page_size),
            "sort_field": sort_field,
            "sort_order": sort_order,
        }
        records, pages = await tts.pull("POST", ORDERS, token, "orders", query, WINDOW)
        truth = await client.get(
            "/_sandbox/tiktok_shop/ground-truth/steady_us",
            params={"start": WINDOW["create_time_ge"], "end": WINDOW["create_time_lt"]},
        )
        return records, pages, truth.json()


class TestOrderPaging:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        page_size=st.integers(min_value=1, max_value=100),
        sort_field=st.sampled_from(["create_time", "update_time"]),
        sort_order=st.sampled_from(["ASC", "DESC"]),
    )
    def test_every_order_exactly_once_in_order(
        self, page_size: int, sort_field: str, sort_order: str
    ) -> None:
        records, pages, truth = asyncio.run(_pull_orders(page_size, sort_field, sort_order))
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids))
        assert sorted(ids) == truth["order_ids"]
        assert all(len(p["orders"]) <= page_size for p in pages)
        assert all(p["total_count"] == len(ids) for p in pages)
        keys = [(r[sort_field], r["id"]) for r in records]
        assert keys == sorted(keys, reverse=sort_order == "DESC")


class TestPageTokens:
    async def _first_pages(self, tts: Tts) -> tuple[str, str, list[str]]:
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        _, pages = await tts.pull(
            "POST", ORDERS, token, "orders", {"shop_cipher": cipher, "page_size": "3"}, WINDOW
        )
        return token, cipher, [p["next_page_token"] for p in pages]

    async def test_tokens_are_opaque_base64_without_raw_offsets(self, tts: Tts) -> None:
        _, _, tokens = await self._first_pages(tts)
        assert tokens[-1] == ""
        assert len(tokens) > 5
        joined = "".join(tokens)
        assert "/" in joined or "+" in joined
        for index, page_token in enumerate(tokens[:-1]):
            raw = base64.b64decode(page_token, validate=True)
            offset = 3 * (index + 1)
            assert struct.pack(">I", offset) not in raw
            assert str(offset).encode() not in raw

    async def test_tampered_token_is_rejected(self, tts: Tts) -> None:
        token, cipher, tokens = await self._first_pages(tts)
        page_token = tokens[0]
        flipped = ("A" if page_token[5] != "A" else "B").join((page_token[:5], page_token[6:]))
        for bad in (flipped, page_token[:-4], "bm90LWEtdG9rZW4=", "%%%"):
            query = {"shop_cipher": cipher, "page_size": "3", "page_token": bad}
            response = await tts.call("POST", ORDERS, token, query, WINDOW)
            assert (response.status_code, response.json()["code"]) == (400, 36009004)

    async def test_token_replayed_with_another_filter_is_rejected(self, tts: Tts) -> None:
        token, cipher, tokens = await self._first_pages(tts)
        query = {"shop_cipher": cipher, "page_size": "3", "page_token": tokens[0]}
        other = {**WINDOW, "create_time_ge": WINDOW["create_time_ge"] + 1}
        response = await tts.call("POST", ORDERS, token, query, other)
        assert response.json()["code"] == 36009004
        same = await tts.call("POST", ORDERS, token, query, WINDOW)
        assert same.json()["code"] == 0

    async def test_page_size_may_change_between_pages(self, tts: Tts) -> None:
        token, cipher, tokens = await self._first_pages(tts)
        query = {"shop_cipher": cipher, "page_size": "50", "page_token": tokens[0]}
        response = await tts.call("POST", ORDERS, token, query, WINDOW)
        assert response.json()["code"] == 0
