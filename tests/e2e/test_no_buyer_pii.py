"""After pulling every persona of every platform, no buyer PII the platforms sent is anywhere in
the database."""

from __future__ import annotations

import time

from tests.e2e.test_tiktok_shop_flow import database_text
from tests.harness import ALL_PERSONAS, Harness


class TestNoBuyerPii:
    async def test_every_persona_pulled_and_no_pii_stored(self, harness: Harness) -> None:
        pii: set[str] = set()
        order_ids: list[str] = []
        now = int(time.time())
        for persona in ALL_PERSONAS:
            headers = await harness.sign_in(persona)
            landing = await harness.connect(persona, headers)
            assert "_connected=true" in landing.headers["location"], persona
            everything = await harness.ground_truth(persona, 0, 2**31 - 1)
            pii.update(everything["pii_values"])
            recent = await harness.ground_truth(persona, now - 80 * 86400, now - 86400)
            order_ids.extend(recent["order_ids"])
        assert len(pii) > 1000  # the platform really sent buyer PII

        dump = await database_text(harness)
        # The orders themselves are all there, only their buyers' details are not.
        assert order_ids and all(order_id in dump for order_id in order_ids)
        leaked = sorted(value for value in pii if value in dump)
        assert leaked == []
