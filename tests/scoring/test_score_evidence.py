"""Pending borrowers, scores with little evidence, and the confidence levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import Frames, score_frames
from tests.scoring.factories import (
    AS_OF,
    connection,
    health,
    make_frames,
    order,
    settlement,
    weekly_orders,
)
from tests.scoring.helpers import codes, reason, row

STEADY = weekly_orders("b1", [1500.0] * 13, per_week=3)
PAYOUTS = [settlement("b1", f"s{w}", 7 * w + 1, 1500.0, revenue=1500.0) for w in range(12)]


class TestPending:
    def _pending(self, **conn: object) -> pd.Series:
        frames = make_frames([connection("b1", **conn), connection("b2")], STEADY)  # type: ignore[arg-type]
        r = row(frames, "b1")
        assert r["status"] == "pending"
        for column in ("composite", "revenue", "consistency", "reliability", "growth"):
            assert np.isnan(r[column])
        assert r["tier"] is None or pd.isna(r["tier"])
        assert pd.isna(r["confidence"]) and pd.isna(r["monthly_revenue_usd"])
        assert len(r["reasons"]) == 1
        assert row(frames, "b2")["status"] == "scored"
        return r

    def test_an_unfinished_first_pull_is_pending(self) -> None:
        r = self._pending(sync_complete=False)
        assert r["reasons"][0] == {
            "code": "DATA_SYNCING",
            "sub_score": "evidence",
            "points_lost": 0.0,
            "message": "The tiktok_shop connection has not finished its first full data pull",
        }

    def test_stale_data_is_pending(self) -> None:
        r = self._pending(data_end_days_ago=3.0)
        assert r["reasons"][0]["code"] == "DATA_STALE"
        assert r["reasons"][0]["message"] == (
            "The tiktok_shop connection's data ends 2025-12-29, more than 2 days before the "
            "score date"
        )

    def test_data_ending_within_the_tolerance_is_scored(self) -> None:
        frames = make_frames([connection("b1", data_end_days_ago=1.5)], STEADY)
        assert row(frames, "b1")["status"] == "scored"

    def test_a_window_not_covered_is_pending(self) -> None:
        r = self._pending(data_days=40.0)
        assert r["reasons"][0]["code"] == "DATA_INCOMPLETE"

    def test_one_pending_connection_makes_the_borrower_pending(self) -> None:
        frames = make_frames(
            [connection("b1", "shop-a"), connection("b1", "shop-b", sync_complete=False)],
            STEADY,
        )
        assert row(frames, "b1")["status"] == "pending"

    def test_limited_visibility_is_scored_with_lower_confidence_and_a_reason(self) -> None:
        frames = make_frames([connection("b1", data_days=60.0, visible_days=60)], STEADY)
        r = row(frames, "b1")
        assert r["status"] == "scored"
        assert r["confidence"] != "high"
        assert reason(r, "LIMITED_HISTORY")["message"] == (
            "The platform shows only 60 of the 90 days of history"
        )


class TestLittleEvidence:
    def test_a_shop_with_no_orders_gets_a_low_but_valid_score(self) -> None:
        r = row(make_frames([connection("b1", shop_age_days=5.0)]), "b1")
        assert r["status"] == "scored"
        assert r["revenue"] == 0.0
        assert r["reliability"] == 50.0
        assert r["growth"] == 75.0
        assert r["composite"] < 30.0
        assert r["tier"] == "E"
        assert r["confidence"] == "low"
        assert r["order_count"] == 0
        assert codes(r)[:2] == ["REVENUE_LOW", "FEW_ACTIVE_WEEKS"]
        assert reason(r, "FEW_ACTIVE_WEEKS")["message"] == "No sales in any of the last 13 weeks"

    def test_no_connections_give_an_empty_score_frame(self) -> None:
        scores = score_frames(Frames.empty(), AS_OF)
        assert scores.empty
        assert "reasons" in scores.columns

    def test_a_naive_as_of_is_refused(self) -> None:
        with pytest.raises(ValueError, match="as_of must be timezone-aware"):
            score_frames(Frames.empty(), pd.Timestamp("2026-01-01"))

    def test_a_borrower_with_only_a_connection_frame_is_listed(self) -> None:
        scores = score_frames(make_frames([connection("b2"), connection("b1")]), AS_OF)
        assert list(scores["borrower_id"]) == ["b1", "b2"]


class TestConfidence:
    def test_complete_consistent_evidence_is_high(self) -> None:
        frames = make_frames([connection("b1")], STEADY, settlements=PAYOUTS)
        assert row(frames, "b1")["confidence"] == "high"

    def test_health_signals_add_evidence(self) -> None:
        base = make_frames([connection("b1")], STEADY)
        rated = make_frames([connection("b1")], STEADY, shop_health=[health("b1", rating=4.9)])
        assert row(base, "b1")["confidence"] == "medium"  # no payouts, no health
        assert row(rated, "b1")["confidence"] == "high"

    def test_few_orders_lower_confidence(self) -> None:
        frames = make_frames(
            [connection("b1")],
            [order("b1", f"o{i}", 3 + i, 100.0) for i in range(4)],
            shop_health=[health("b1", rating=4.9)],
        )
        assert row(frames, "b1")["confidence"] == "medium"


class TestTiers:
    def test_tier_follows_the_composite_bounds(self) -> None:
        frames = make_frames(
            [connection("b1", seller_type="LOCAL")],
            weekly_orders("b1", np.linspace(20000, 26000, 13), per_week=4),
            settlements=PAYOUTS,
            shop_health=[health("b1", rating=4.9, violations=0, on_time=0.99)],
        )
        r = row(frames, "b1")
        assert r["composite"] >= 80.0
        assert r["tier"] == "A"
