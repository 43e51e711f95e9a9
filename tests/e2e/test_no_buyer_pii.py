"""After pulling every persona, no buyer PII the platform sent is anywhere in the database."""

from __future__ import annotations

from tests.e2e.test_tiktok_shop_flow import database_text
from tests.harness import Harness

PERSONAS = (
    "steady_us",
    "growing_us",
    "declining_us",
    "new_shop",
    "high_returns",
    "creator_affiliate",
    "gb_seller",
    "id_seller",
)


class TestNoBuyerPii:
    async def test_every_persona_pulled_and_no_pii_stored(self, harness: Harness) -> None:
        pii: set[str] = set()
        order_ids: list[str] = []
        for persona in PERSONAS:
            headers = await harness.sign_in(persona)
            landing = await harness.connect(persona, headers)
            assert "tiktokshop_connected=true" in landing.headers["location"], persona
            truth = await harness.ground_truth(persona, 0, 2**31 - 1)
            pii.update(truth["pii_values"])
            order_ids.extend(truth["order_ids"])
        assert len(pii) > 1000  # the platform really sent buyer PII

        dump = await database_text(harness)
        stored = sum(1 for order_id in order_ids if order_id in dump)
        assert stored > 0.5 * len(order_ids)  # the orders themselves are there
        leaked = sorted(value for value in pii if value in dump)
        assert leaked == []
