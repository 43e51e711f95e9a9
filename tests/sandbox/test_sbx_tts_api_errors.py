"""Every request check of reference section 12 and the error codes of the protocol notes."""

from __future__ import annotations

import re

import httpx
from tts_client import ANCHOR_TS, DAY, Clock, Tts, client_for, make_config, shop_cipher, sign

ORDERS = "/order/202309/orders/search"
SHOPS = "/authorization/202309/shops"


def error(response: httpx.Response) -> tuple[int, int]:
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    assert body["data"] is None
    return response.status_code, body["code"]


async def seller(tts: Tts, persona: str = "steady_us") -> tuple[str, str]:
    token = (await tts.authorize(persona))["data"]["access_token"]
    return token, await shop_cipher(tts, token)


class TestEnvelope:
    async def test_success_has_request_id_of_34_characters(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        body = (await tts.call("GET", SHOPS, token)).json()
        assert body["code"] == 0
        assert re.fullmatch(r"\d{14}[0-9A-F]{20}", body["request_id"])
        assert body["request_id"].startswith("20250301010000")

    async def test_unknown_path_and_method(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        assert error(await tts.call("GET", "/order/202309/nothing", token)) == (404, 36009009)
        assert error(await tts.call("GET", ORDERS, token)) == (405, 36009010)

    async def test_unknown_version(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        response = await tts.call(
            "POST",
            "/order/202212/orders/search",
            token,
            {"shop_cipher": cipher, "page_size": "5"},
            {},
        )
        assert error(response) == (400, 36009014)


class TestCredentials:
    async def test_bad_sign(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        response = await tts.call("GET", SHOPS, token, signature="0" * 64)
        assert error(response) == (401, 106001)

    async def test_upper_case_sign_is_rejected(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        good = await tts.call("GET", SHOPS, token)
        assert good.json()["code"] == 0
        signed = str(good.request.url.params["sign"])
        assert error(await tts.call("GET", SHOPS, token, signature=signed.upper())) == (401, 106001)

    async def test_body_is_signed(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        query = {
            "app_key": tts.app_key,
            "timestamp": str(int(tts.clock.now)),
            "shop_cipher": cipher,
            "page_size": "5",
        }
        signed_for_empty = sign(tts.app_secret, ORDERS, query)
        response = await tts.client.post(
            "/tiktok-shop/api" + ORDERS,
            params={**query, "sign": signed_for_empty},
            content=b'{"order_status":"UNPAID"}',
            headers={"content-type": "application/json", "x-tts-access-token": token},
        )
        assert error(response) == (401, 106001)

    async def test_missing_sign(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        params = {"app_key": tts.app_key, "timestamp": str(int(tts.clock.now))}
        response = await tts.client.get(
            "/tiktok-shop/api" + SHOPS, params=params, headers={"x-tts-access-token": token}
        )
        assert error(response) == (401, 36009004)

    async def test_unknown_app_key(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        tts.app_key = "someone_else"
        assert error(await tts.call("GET", SHOPS, token)) == (401, 36009004)

    async def test_timestamp_window_is_minus_300_to_plus_30(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        now = int(tts.clock.now)
        assert (await tts.call("GET", SHOPS, token, timestamp=now - 300)).json()["code"] == 0
        assert (await tts.call("GET", SHOPS, token, timestamp=now + 30)).json()["code"] == 0
        stale = await tts.call("GET", SHOPS, token, timestamp=now - 301)
        assert error(stale) == (401, 36009004)
        future = await tts.call("GET", SHOPS, token, timestamp=now + 31)
        assert error(future) == (401, 36009004)

    async def test_missing_and_unknown_token(self, tts: Tts) -> None:
        assert error(await tts.call("GET", SHOPS, None)) == (401, 36009004)
        assert error(await tts.call("GET", SHOPS, "TTP_not_a_token")) == (401, 36009004)

    async def test_expired_token_after_seven_days(self, tts: Tts, clock: Clock) -> None:
        token, _ = await seller(tts)
        clock.advance(7 * DAY - 1)
        assert (await tts.call("GET", SHOPS, token)).json()["code"] == 0
        clock.advance(1)
        assert error(await tts.call("GET", SHOPS, token)) == (401, 105002)

    async def test_expire_tokens_control(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        other, _ = await seller(tts, "gb_seller")
        response = await tts.client.post(
            "/_sandbox/tiktok_shop/expire-tokens", json={"persona": "steady_us"}
        )
        assert response.json() == {"expired": 1}
        assert error(await tts.call("GET", SHOPS, token)) == (401, 105002)
        assert (await tts.call("GET", SHOPS, other)).json()["code"] == 0

    async def test_revoked_token(self, tts: Tts) -> None:
        grant = (await tts.authorize("steady_us"))["data"]
        await tts.client.post("/_sandbox/tiktok_shop/revoke", json={"persona": "steady_us"})
        assert error(await tts.call("GET", SHOPS, grant["access_token"])) == (401, 105001)
        refreshed = await tts.refresh(grant["refresh_token"])
        assert refreshed["code"] == 36004005
        again = (await tts.authorize("steady_us"))["data"]["access_token"]
        assert (await tts.call("GET", SHOPS, again)).json()["code"] == 0


class TestScopesAndShops:
    async def test_missing_scope(self, tts: Tts) -> None:
        grant = await tts.authorize("steady_us", ["seller.authorization.info", "seller.order.info"])
        token = grant["data"]["access_token"]
        cipher = await shop_cipher(tts, token)
        query = {"shop_cipher": cipher, "sort_field": "statement_time"}
        response = await tts.call("GET", "/finance/202309/statements", token, query)
        assert error(response) == (403, 105005)
        orders = await tts.call(
            "POST", ORDERS, token, {"shop_cipher": cipher, "page_size": "1"}, {}
        )
        assert orders.json()["code"] == 0

    async def test_missing_shop_cipher(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        assert error(await tts.call("POST", ORDERS, token, {"page_size": "5"}, {})) == (400, 106013)

    async def test_cipher_of_another_shop(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        _, foreign = await seller(tts, "gb_seller")
        response = await tts.call(
            "POST", ORDERS, token, {"shop_cipher": foreign, "page_size": "5"}, {}
        )
        assert error(response) == (403, 101000)

    async def test_cipher_on_authorization_is_unexpected(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        response = await tts.call("GET", SHOPS, token, {"shop_cipher": cipher})
        assert error(response) == (401, 36009004)

    async def test_seller_token_on_creator_api(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        response = await tts.call(
            "POST", "/affiliate_creator/202410/orders/search", token, {"page_size": "5"}, {}
        )
        assert error(response) == (403, 101000)

    async def test_creator_token_on_seller_api_and_empty_shops(self, tts: Tts) -> None:
        token = (await tts.authorize("creator_affiliate"))["data"]["access_token"]
        shops = (await tts.call("GET", SHOPS, token)).json()
        assert shops["code"] == 0 and shops["data"] == {"shops": []}
        response = await tts.call(
            "POST", ORDERS, token, {"shop_cipher": "GCP_x", "page_size": "5"}, {}
        )
        assert error(response) == (403, 101000)


class TestParameters:
    async def test_order_page_size_is_required_and_within_1_to_100(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        for size in (None, "0", "101", "abc"):
            query = {"shop_cipher": cipher} | ({"page_size": size} if size else {})
            assert error(await tts.call("POST", ORDERS, token, query, {})) == (400, 36009004)
        for size in ("1", "100"):
            ok = await tts.call(
                "POST", ORDERS, token, {"shop_cipher": cipher, "page_size": size}, {}
            )
            assert ok.json()["code"] == 0

    async def test_returns_page_size_is_10_to_50(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        path = "/return_refund/202309/returns/search"
        bad = await tts.call("POST", path, token, {"shop_cipher": cipher, "page_size": "9"}, {})
        assert error(bad) == (400, 36009004)
        good = await tts.call("POST", path, token, {"shop_cipher": cipher, "page_size": "50"}, {})
        assert good.json()["code"] == 0

    async def test_statements_need_sort_field(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        path = "/finance/202309/statements"
        assert error(await tts.call("GET", path, token, {"shop_cipher": cipher})) == (400, 36009004)

    async def test_body_must_be_json(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        query = {
            "app_key": tts.app_key,
            "timestamp": str(int(tts.clock.now)),
            "shop_cipher": cipher,
            "page_size": "5",
        }
        body = b"order_status=UNPAID"
        response = await tts.client.post(
            "/tiktok-shop/api" + ORDERS,
            params={**query, "sign": sign(tts.app_secret, ORDERS, query, body)},
            content=body,
            headers={"content-type": "text/plain", "x-tts-access-token": token},
        )
        assert error(response) == (400, 36009022)


class TestRateLimit:
    async def test_over_50_per_second_per_shop_and_api(self) -> None:
        clock = Clock(ANCHOR_TS + 3600.0)
        config = make_config(clock)
        async with client_for(config) as client:
            tts = Tts(client, clock, config.tiktok.app_key, config.tiktok.app_secret)
            token, cipher = await seller(tts)
            other, other_cipher = await seller(tts, "gb_seller")
            clock.advance(1.0)
            query = {"shop_cipher": cipher, "page_size": "1"}
            for _ in range(50):
                assert (await tts.call("POST", ORDERS, token, query, {})).json()["code"] == 0
            assert error(await tts.call("POST", ORDERS, token, query, {})) == (429, 36009002)
            # Another API of the same shop and the same API of another shop have their own quota.
            assert (await tts.call("GET", SHOPS, token)).json()["code"] == 0
            other_query = {"shop_cipher": other_cipher, "page_size": "1"}
            assert (await tts.call("POST", ORDERS, other, other_query, {})).json()["code"] == 0
            clock.advance(0.999)
            assert error(await tts.call("POST", ORDERS, token, query, {})) == (429, 36009002)
            clock.advance(0.002)
            assert (await tts.call("POST", ORDERS, token, query, {})).json()["code"] == 0


class TestFaults:
    async def test_error_rate_and_clear(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        faults = {"platform": "tiktok_shop", "error_rate": 1.0, "status": 503, "seed": 1}
        assert (await tts.client.post("/_sandbox/faults", json=faults)).status_code == 200
        assert error(await tts.call("GET", SHOPS, token)) == (503, 36009003)
        await tts.client.delete("/_sandbox/faults")
        assert (await tts.call("GET", SHOPS, token)).json()["code"] == 0

    async def test_rate_limit_rate(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        faults = {"platform": "tiktok_shop", "rate_limit_rate": 1.0}
        await tts.client.post("/_sandbox/faults", json=faults)
        assert error(await tts.call("GET", SHOPS, token)) == (429, 36009002)

    async def test_partial_error_rate_is_seeded(self, tts: Tts) -> None:
        token, _ = await seller(tts)
        outcomes = []
        for _ in range(2):
            faults = {"platform": "tiktok_shop", "error_rate": 0.5, "status": 500, "seed": 3}
            await tts.client.post("/_sandbox/faults", json=faults)
            codes = [(await tts.call("GET", SHOPS, token)).json()["code"] for _ in range(20)]
            outcomes.append(codes)
        assert outcomes[0] == outcomes[1]
        assert set(outcomes[0]) == {0, 36009003}

    async def test_bad_settings_are_refused(self, tts: Tts) -> None:
        response = await tts.client.post("/_sandbox/faults", json={"error_rate": 2})
        assert response.status_code == 400


class TestEmptyQueryValues:
    async def test_an_empty_value_is_signed_as_its_key(self, tts: Tts) -> None:
        token, cipher = await seller(tts)
        query = {"shop_cipher": cipher, "page_size": "5", "page_token": ""}
        response = await tts.call("POST", ORDERS, token, query, {})
        assert response.request.url.params["page_token"] == ""
        assert response.json()["code"] == 0
        params = {"app_key": tts.app_key, "timestamp": str(int(tts.clock.now)), **query}
        without_empty = {k: v for k, v in params.items() if v}
        signed = sign(tts.app_secret, ORDERS, without_empty, b"{}")
        dropped = await tts.call("POST", ORDERS, token, query, {}, signature=signed)
        assert error(dropped) == (401, 106001)
