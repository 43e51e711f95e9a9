"""Get Order Detail: the shop's own orders by id, nothing for ids it does not have."""

from __future__ import annotations

from tts_client import Tts, shop_cipher


async def seller(tts: Tts, persona: str) -> tuple[str, str]:
    token = (await tts.authorize(persona))["data"]["access_token"]
    return token, await shop_cipher(tts, token)


async def first_ids(tts: Tts, token: str, cipher: str, count: int) -> list[str]:
    response = await tts.call(
        "POST",
        "/order/202309/orders/search",
        token,
        {"shop_cipher": cipher, "page_size": str(count)},
        {},
    )
    return [order["id"] for order in response.json()["data"]["orders"]]


class TestOrderDetail:
    async def test_known_ids_come_back_and_unknown_ones_do_not(self, tts: Tts) -> None:
        token, cipher = await seller(tts, "steady_us")
        ids = await first_ids(tts, token, cipher, 2)
        query = {"shop_cipher": cipher, "ids": ",".join([*ids, "123456789"])}
        body = (await tts.call("GET", "/order/202309/orders", token, query)).json()
        assert body["code"] == 0
        assert sorted(o["id"] for o in body["data"]["orders"]) == sorted(ids)

    async def test_another_shops_order_is_not_found(self, tts: Tts) -> None:
        other_token, other_cipher = await seller(tts, "gb_seller")
        foreign = (await first_ids(tts, other_token, other_cipher, 1))[0]
        token, cipher = await seller(tts, "steady_us")
        query = {"shop_cipher": cipher, "ids": foreign}
        body = (await tts.call("GET", "/order/202309/orders", token, query)).json()
        assert body["code"] == 0 and body["data"]["orders"] == []

    async def test_ids_are_required_and_bounded(self, tts: Tts) -> None:
        token, cipher = await seller(tts, "steady_us")
        for ids in ("", ",".join(str(n) for n in range(51))):
            query = {"shop_cipher": cipher, "ids": ids}
            body = (await tts.call("GET", "/order/202309/orders", token, query)).json()
            assert body["code"] != 0
