"""Benchmark settings of the TikTok Shop emulator: platform latency, the rate limit set on a
running server, and scale personas (``scale_<n>``: exactly n orders) whose searches bisect."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tts_client import ANCHOR_TS, DAY, Clock, Tts, client_for, make_config, shop_cipher

from sandbox.personas import SCALE_DAYS, persona_by_id

ORDERS = "/order/202309/orders/search"
SETTINGS = "/_sandbox/tiktok_shop/settings"


async def _truth(tts: Tts, persona: str, start: int, end: int) -> dict[str, object]:
    response = await tts.client.get(
        f"/_sandbox/tiktok_shop/ground-truth/{persona}", params={"start": start, "end": end}
    )
    response.raise_for_status()
    truth: dict[str, object] = response.json()
    return truth


class TestScalePersona:
    def test_ids_name_exact_sizes_only(self) -> None:
        persona = persona_by_id("scale_1234")
        assert persona is not None and persona.order_count == 1234
        assert persona.role == "seller" and persona.id == "scale_1234"
        for other in ("scale_0", "scale_01", "scale_", "scale_12x", "scale_12345678"):
            assert persona_by_id(other) is None

    async def test_exactly_n_orders_all_inside_a_90_day_window(self, tts: Tts) -> None:
        truth = await _truth(tts, "scale_1234", ANCHOR_TS - 90 * DAY, ANCHOR_TS)
        assert truth["orders"]["count"] == 1234  # type: ignore[index]
        # the orders are in the SCALE_DAYS days before the anchor: a window taken up to a day
        # after the anchor still holds them all
        inner = await _truth(tts, "scale_1234", ANCHOR_TS - SCALE_DAYS * DAY, ANCHOR_TS)
        assert inner["order_ids"] == truth["order_ids"]

    async def test_unknown_scale_persona_is_404(self, tts: Tts) -> None:
        response = await tts.client.get("/_sandbox/tiktok_shop/ground-truth/scale_0")
        assert response.status_code == 404

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        start_day=st.integers(min_value=0, max_value=95),
        days=st.integers(min_value=0, max_value=40),
        offset=st.integers(min_value=0, max_value=DAY - 1),
        status=st.sampled_from([None, "COMPLETED", "CANCELLED"]),
    )
    def test_search_by_create_time_is_the_ground_truth(
        self, start_day: int, days: int, offset: int, status: str | None
    ) -> None:
        start = ANCHOR_TS - 95 * DAY + start_day * DAY + offset
        end = start + days * DAY + offset // 2
        ids, truth = asyncio.run(_search(start, end, status))
        assert ids == truth


async def _search(start: int, end: int, status: str | None) -> tuple[list[str], list[str]]:
    clock = Clock(ANCHOR_TS + 3600.0)
    config = make_config(clock, rate_limit_per_second=100_000)
    async with client_for(config) as client:
        tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
        token = (await tts.authorize("scale_900"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        query = {"shop_cipher": cipher, "page_size": "100", "sort_order": "ASC"}
        body: dict[str, object] = {"create_time_ge": start, "create_time_lt": end}
        if status is not None:
            body["order_status"] = status
        records, _ = await tts.pull("POST", ORDERS, token, "orders", query, body)
        truth = await _truth(tts, "scale_900", start, end)
        orders = truth["order_ids"]
        assert isinstance(orders, list)
        if status is not None:
            statuses = {r["id"]: r["status"] for r in records}
            assert set(statuses.values()) <= {status}
            everything, _ = await tts.pull(
                "POST", ORDERS, token, "orders", query, {k: body[k] for k in body if "time" in k}
            )
            orders = sorted(r["id"] for r in everything if r["status"] == status)
        ids = [r["id"] for r in records]
        keys = [(r["create_time"], r["id"]) for r in records]
        assert keys == sorted(keys)
        return sorted(ids), sorted(orders)


class TestLatency:
    async def test_every_api_call_waits_the_latency(self, clock: Clock) -> None:
        config = make_config(clock, latency_ms=150)
        async with client_for(config) as client:
            tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
            token = (await tts.authorize("steady_us"))["data"]["access_token"]
            started = time.monotonic()
            cipher = await shop_cipher(tts, token)
            assert time.monotonic() - started >= 0.15
            query = {"shop_cipher": cipher, "page_size": "5"}
            body = {"create_time_ge": ANCHOR_TS - DAY, "create_time_lt": ANCHOR_TS}
            started = time.monotonic()
            response = await tts.call("POST", ORDERS, token, query, body)
            assert response.json()["code"] == 0
            assert time.monotonic() - started >= 0.15

    async def test_the_wait_does_not_hold_up_other_requests(self, clock: Clock) -> None:
        config = make_config(clock, latency_ms=300)
        async with client_for(config) as client:
            tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
            token = (await tts.authorize("steady_us"))["data"]["access_token"]
            started = time.monotonic()
            ciphers = await asyncio.gather(*(shop_cipher(tts, token) for _ in range(10)))
            elapsed = time.monotonic() - started
        assert len(set(ciphers)) == 1
        assert 0.3 <= elapsed < 1.5  # side by side: ten calls do not take ten latencies (3 s)


class TestSettingsControl:
    async def test_settings_change_latency_and_rate_limit(self, tts: Tts) -> None:
        assert (await tts.client.get(SETTINGS)).json() == {
            "latency_ms": 0,
            "rate_limit_per_second": 50,
        }
        changed = await tts.client.post(SETTINGS, json={"rate_limit_per_second": 3})
        assert changed.json() == {"latency_ms": 0, "rate_limit_per_second": 3}
        token = (await tts.authorize("steady_us"))["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        query = {"shop_cipher": cipher, "page_size": "5"}
        body = {"create_time_ge": ANCHOR_TS - DAY, "create_time_lt": ANCHOR_TS}
        codes = [
            (await tts.call("POST", ORDERS, token, query, body)).json()["code"] for _ in range(4)
        ]
        assert codes == [0, 0, 0, 36009002]  # the clock stands still: one second's budget of 3

    @pytest.mark.parametrize(
        "body",
        [
            {"latency_ms": -1},
            {"latency_ms": 1.5},
            {"latency_ms": True},
            {"rate_limit_per_second": 0},
            {"rate_limit_per_second": "50"},
        ],
    )
    async def test_invalid_settings_are_refused(self, tts: Tts, body: dict[str, object]) -> None:
        response = await tts.client.post(SETTINGS, json=body)
        assert response.status_code == 400
        assert (await tts.client.get(SETTINGS)).json()["latency_ms"] == 0
