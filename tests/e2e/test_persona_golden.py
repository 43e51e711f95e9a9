"""Every sandbox persona's score, through the whole pipeline, compared with a golden table.

The sandbox's data and the service's clock are pinned (the `pinned` fixture), so the table is
the same every day and on every database. After a deliberate model change (which also bumps the
model version), regenerate the table and review its diff:

    make golden        # = CS_REGENERATE_GOLDEN=1 pytest tests/e2e/test_persona_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.harness import ALL_PERSONAS, Harness

GOLDEN = Path(__file__).parent / "golden" / "persona_scores.json"
SCORE_FIELDS = ("status", "composite", "tier", "confidence", "order_count", "model_version")


async def persona_table(harness: Harness) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for persona in ALL_PERSONAS:
        headers = await harness.sign_in(persona)
        landing = await harness.connect(persona, headers)
        assert "_connected=true" in landing.headers["location"], persona
        score = (await harness.service.get("/api/score", headers=headers)).json()
        row = {field: score[field] for field in SCORE_FIELDS}
        row["sub_scores"] = score["sub_scores"]
        row["monthly_revenue_usd"] = round(score["monthly_revenue_usd"] or 0.0, 2)
        row["reasons"] = [reason["code"] for reason in score["reasons"]]
        table[persona] = row
    return table


class TestPersonaScores:
    async def test_scores_tell_each_story_and_match_the_golden_table(self, pinned: Harness) -> None:
        table = await persona_table(pinned)
        assert_stories(table)
        if os.environ.get("CS_REGENERATE_GOLDEN"):
            GOLDEN.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
        golden = json.loads(GOLDEN.read_text())
        assert table == golden, (
            "scores changed: if deliberate, bump the model version and run `make golden`"
        )


def assert_stories(table: dict[str, dict[str, Any]]) -> None:
    """What each persona's story says its score must show, whatever the exact figures."""
    assert all(row["status"] == "scored" for row in table.values())
    for high_returns in ("high_returns", "shopify_high_refunds"):
        assert "RETURN_RATE_HIGH" in table[high_returns]["reasons"], high_returns
    for declining in ("declining_us", "shopify_declining", "amazon_declining"):
        assert any(code.endswith("_DECLINING") for code in table[declining]["reasons"]), declining
    for new in ("new_shop", "shopify_new", "amazon_new"):
        assert table[new]["order_count"] == 0
        assert table[new]["confidence"] == "low"
        assert {"NO_ORDERS", "REVENUE_LOW"} & set(table[new]["reasons"]), new
    assert any("REVENUE" in code for code in table["creator_affiliate"]["reasons"])
    ranked = sorted(table, key=lambda p: table[p]["composite"], reverse=True)
    assert set(ranked[-3:]) == {"new_shop", "shopify_new", "amazon_new"}
    for growing, steady, declining in (
        ("growing_us", "steady_us", "declining_us"),
        ("shopify_growing", "shopify_steady", "shopify_declining"),
    ):
        growth = {p: table[p]["sub_scores"]["growth"] for p in (growing, steady, declining)}
        assert growth[growing] > growth[steady] > growth[declining], growth
        assert table[growing]["composite"] > table[declining]["composite"]
    for steady, returns in (
        ("steady_us", "high_returns"),
        ("shopify_steady", "shopify_high_refunds"),
    ):
        assert (
            table[returns]["sub_scores"]["reliability"] < table[steady]["sub_scores"]["reliability"]
        )
