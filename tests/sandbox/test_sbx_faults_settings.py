"""The fault settings of ``POST /_sandbox/faults``: what is refused, what is reported."""

from __future__ import annotations

from typing import Any

import pytest
from tts_client import Tts

from sandbox.faults import Faults


class TestSettings:
    @pytest.mark.parametrize(
        "body",
        [
            {"error_rate": 0.6, "drop_rate": 0.6},  # per-request rates add up past 1
            {"page_repeat_rate": 1.5},
            {"corrupt_kinds": ["upside_down"]},
            {"corrupt_kinds": []},
            {"corrupt_kinds": "missing_field"},
            {"slow_ms": -1},
            {"retry_after_s": -2},
            {"status": 418},
            {"platform": "etsy"},
            {"seed": "not a number"},
        ],
    )
    async def test_refused(self, tts: Tts, body: dict[str, Any]) -> None:
        response = await tts.client.post("/_sandbox/faults", json=body)
        assert response.status_code == 400
        assert response.json()["detail"]

    async def test_report_starts_empty_and_delete_clears(self, tts: Tts) -> None:
        await tts.client.post("/_sandbox/faults", json={"platform": "amazon", "seed": 4})
        report = (await tts.client.get("/_sandbox/faults")).json()["faults"]
        assert list(report) == ["amazon"]
        assert report["amazon"]["injected"] == {} and report["amazon"]["corrupted"] == {}
        assert report["amazon"]["seed"] == 4 and report["amazon"]["slow_ms"] == 0
        await tts.client.delete("/_sandbox/faults")
        assert (await tts.client.get("/_sandbox/faults")).json() == {"faults": {}}


class TestRecordFaults:
    def test_decided_by_seed_and_id_alone(self) -> None:
        plan = {"corrupt_rate": 0.5, "seed": 9}
        first, second = Faults.from_json(plan), Faults.from_json(plan)
        ids = [str(n) for n in range(200)]
        second.draw()  # the request stream does not move record faults
        kinds = [first.record_fault("tiktok_shop", i) for i in ids]
        assert kinds == [second.record_fault("tiktok_shop", i) for i in ids]
        assert 60 < sum(k is not None for k in kinds) < 140
        assert {k for k in kinds if k} == {"missing_field", "wrong_type", "locale_amount"}
        other_seed = Faults.from_json({**plan, "seed": 10})
        assert kinds != [other_seed.record_fault("tiktok_shop", i) for i in ids]
