"""Consistency and reliability families: regular sales, shop age, returns and health."""

from __future__ import annotations

import numpy as np
import pytest

from tests.scoring.factories import (
    AS_OF,
    commission,
    connection,
    health,
    make_frames,
    order,
    refund,
    weekly_orders,
)
from tests.scoring.helpers import codes, features, reason, row


class TestConsistency:
    def test_a_sale_every_week_of_the_same_size_is_fully_consistent(self) -> None:
        frames = make_frames(
            [connection("b1", seller_type="LOCAL")], weekly_orders("b1", [500.0] * 13, per_week=2)
        )
        f = features(frames, "b1")
        assert f["active_weeks"] == 13
        assert f["monthly_drop"] == pytest.approx(0.0, abs=1e-9)
        assert f["consistency"] > 97.0

    def test_sales_in_few_weeks_give_the_active_weeks_reason(self) -> None:
        amounts = [0.0] * 9 + [500.0] * 4
        frames = make_frames(
            [connection("b1")], [o for o in weekly_orders("b1", amounts) if o["total_amount"] > 0]
        )
        r = row(frames, "b1")
        assert features(frames, "b1")["active_weeks"] == 4
        assert reason(r, "FEW_ACTIVE_WEEKS")["message"] == "Sales in only 4 of the last 13 weeks"

    def test_volatile_weeks_raise_the_cv(self) -> None:
        steady = make_frames([connection("b1")], weekly_orders("b1", [500.0] * 13))
        spiky = make_frames([connection("b1")], weekly_orders("b1", [100.0, 1500.0] * 6 + [100.0]))
        assert features(spiky, "b1")["weekly_cv"] > 0.8
        assert features(spiky, "b1")["consistency"] < features(steady, "b1")["consistency"]

    def test_shop_age_comes_from_the_platform_date(self) -> None:
        frames = make_frames(
            [connection("b1", shop_age_days=100.0)], weekly_orders("b1", [500.0] * 13)
        )
        assert features(frames, "b1")["shop_age_days"] == pytest.approx(100.0)
        r = row(frames, "b1")
        assert (
            reason(r, "SHOP_YOUNG")["message"] == "Shop is 100 days old; full credit from 730 days"
        )

    def test_without_a_platform_date_the_first_order_dates_a_new_shop(self) -> None:
        rows = [order("b1", f"o{i}", 40.0 - i, 100.0) for i in range(20)]
        frames = make_frames([connection("b1", shop_age_days=None)], rows)
        assert features(frames, "b1")["shop_age_days"] == pytest.approx(40.0)

    def test_a_first_order_at_the_start_of_the_data_leaves_the_age_unknown(self) -> None:
        frames = make_frames(
            [connection("b1", shop_age_days=None)], weekly_orders("b1", [500.0] * 13)
        )
        f = features(frames, "b1")
        assert np.isnan(f["shop_age_days"])
        assert f["consistency_share_shop_age"] == 0.0
        assert "SHOP_YOUNG" not in codes(row(frames, "b1"))

    def test_an_unknown_seller_type_drops_out_instead_of_scoring_zero(self) -> None:
        orders = weekly_orders("b1", [500.0] * 13)
        unknown = features(make_frames([connection("b1", seller_type=None)], orders), "b1")
        cross = features(make_frames([connection("b1", seller_type="CROSS_BORDER")], orders), "b1")
        others = {
            "active_weeks": 0.30,
            "weekly_cv": 0.25,
            "monthly_stability": 0.20,
            "shop_age": 0.15,
        }
        expected = sum(w * unknown[f"{k}_component"] for k, w in others.items()) / sum(
            others.values()
        )
        assert unknown["consistency"] == pytest.approx(100.0 * expected)
        assert unknown["consistency_share_seller_type"] == 0.0
        assert unknown["consistency"] > cross["consistency"]

    def test_cross_border_seller_type_is_named(self) -> None:
        frames = make_frames(
            [connection("b1", seller_type="cross_border")], weekly_orders("b1", [500.0] * 13)
        )
        r = row(frames, "b1")
        assert reason(r, "SELLER_TYPE")["message"] == (
            "Seller type CROSS_BORDER earns 60.0% of the seller-type credit"
        )


class TestReliability:
    def _orders(self, n: int = 40) -> list[dict[str, object]]:
        return [order("b1", f"o{i}", 1 + i * 2, 50.0) for i in range(n)]

    def test_return_rate_reason_states_the_rate(self) -> None:
        returns = [refund("b1", f"r{i}", 3 + i, 50.0, order_id=f"o{i}") for i in range(5)]
        frames = make_frames([connection("b1")], self._orders(40), returns)
        r = row(frames, "b1")
        assert features(frames, "b1")["return_rate"] == pytest.approx(5 / 40)
        assert reason(r, "RETURN_RATE_HIGH")["message"] == "Return rate 12.5% is above 5%"

    def test_withdrawn_returns_do_not_count(self) -> None:
        returns = [
            refund("b1", f"r{i}", 3 + i, 50.0, status="RETURN_OR_REFUND_REQUEST_CANCEL")
            for i in range(5)
        ]
        frames = make_frames([connection("b1")], self._orders(40), returns)
        assert features(frames, "b1")["return_rate"] == 0.0
        assert "RETURN_RATE_HIGH" not in codes(row(frames, "b1"))

    def test_low_return_rate_costs_nothing(self) -> None:
        returns = [refund("b1", "r1", 3, 50.0)]
        frames = make_frames([connection("b1")], self._orders(40), returns)
        assert features(frames, "b1")["return_rate_component"] == 1.0

    def test_cancellation_rate_counts_paid_orders_cancelled_before_as_of(self) -> None:
        rows = self._orders(36) + [
            order("b1", f"x{i}", 5 + i, 50.0, status="cancelled") for i in range(4)
        ]
        frames = make_frames([connection("b1")], rows)
        assert features(frames, "b1")["cancellation_rate"] == pytest.approx(0.1)
        assert reason(row(frames, "b1"), "CANCELLATION_RATE_HIGH")["message"] == (
            "Cancellation rate 10.0% is above 2%"
        )

    def test_missing_health_signals_do_not_lower_reliability_but_lower_confidence(self) -> None:
        without = make_frames([connection("b1")], self._orders())
        perfect = make_frames(
            [connection("b1")],
            self._orders(),
            shop_health=[health("b1", rating=5.0, violations=0, on_time=1.0)],
        )
        assert (
            features(without, "b1")["reliability"]
            == features(perfect, "b1")["reliability"]
            == 100.0
        )
        assert features(without, "b1")["evidence"] < features(perfect, "b1")["evidence"]

    def test_the_latest_snapshot_before_as_of_counts(self) -> None:
        snapshots = [
            health("b1", 30.0, rating=4.9),
            health("b1", 3.0, rating=3.9),
            health("b1", -5.0, rating=5.0),  # observed after as-of
        ]
        frames = make_frames([connection("b1")], self._orders(), shop_health=snapshots)
        assert features(frames, "b1")["rating"] == pytest.approx(3.9)
        assert reason(row(frames, "b1"), "RATING_LOW")["message"] == "Shop rating 3.9 is below 4.5"

    def test_late_delivery_is_named(self) -> None:
        snapshot = [health("b1", on_time=0.88)]
        frames = make_frames([connection("b1")], self._orders(), shop_health=snapshot)
        r = row(frames, "b1")
        assert reason(r, "LATE_DELIVERY")["message"] == "On-time delivery 88.0% is below 95%"

    def test_violations_are_named(self) -> None:
        snapshot = [health("b1", violations=3)]
        frames = make_frames([connection("b1")], self._orders(), shop_health=snapshot)
        f = features(frames, "b1")
        assert f["violations"] == 3
        assert f["violations_component"] == pytest.approx(0.4)
        assert reason(row(frames, "b1"), "VIOLATIONS")["message"] == (
            "3 platform violations on record"
        )

    def test_creator_void_commissions_count_as_returns(self) -> None:
        rows = [commission("b1", f"c{i}", 2 + i, 10.0, 9.0) for i in range(16)]
        rows += [commission("b1", f"v{i}", 2 + i, 10.0, status="REFUNDED") for i in range(4)]
        frames = make_frames([connection("b1", role="creator")], commissions=rows)
        assert features(frames, "b1")["return_rate"] == pytest.approx(4 / 20)

    def test_no_signal_at_all_is_neutral(self) -> None:
        frames = make_frames([connection("b1")])
        f = features(frames, "b1")
        assert f["reliability"] == 50.0
        assert np.isnan(f["return_rate"])

    def test_as_of_is_the_reference(self) -> None:
        assert AS_OF.tzinfo is not None
