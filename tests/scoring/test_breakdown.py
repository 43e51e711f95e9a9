"""The report's figures: per month and per connection, reconciled, and agreeing with the score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Frames, score_frames
from scoring.breakdown import breakdown
from tests.scoring.factories import (
    AS_OF,
    at,
    commission,
    connection,
    make_frames,
    order,
    refund,
    settlement,
)
from tests.scoring.test_score_properties import FAST, _shuffled, frames_strategy


def _month(frames: Frames, connection_id: str, month: int) -> pd.Series:
    monthly = breakdown(frames, AS_OF).monthly
    rows = monthly[(monthly["connection_id"] == connection_id) & (monthly["month"] == month)]
    (row,) = rows.to_dict(orient="records")
    return pd.Series(row)


def _connection(frames: Frames, connection_id: str) -> pd.Series:
    conns = breakdown(frames, AS_OF).connections.set_index("connection_id")
    return conns.loc[connection_id]


SHOP = "b1-shop"
STORE = "b1-store"


def _two_accounts(orders: list[dict[str, object]], settlements: list[dict[str, object]]) -> Frames:
    return make_frames(
        [connection("b1", SHOP), connection("b1", STORE, platform="shopify")],
        orders,
        settlements=settlements,
    )


class TestReconciliation:
    def test_settled_payouts_against_order_revenue_of_the_lagged_span(self) -> None:
        # Orders of [as_of-90d, as_of-10d) against payouts of [as_of-80d, as_of).
        frames = _two_accounts(
            [
                order("b1", "o-early", 80, 50.0, connection_id=SHOP),
                order("b1", "o-mid", 40, 200.0, connection_id=SHOP),
                order("b1", "o-late", 5, 100.0, connection_id=SHOP),  # paid after the span
                order("b1", "o-sample", 30, 70.0, is_sample=True, connection_id=SHOP),
            ],
            [
                settlement("b1", "s-gross", 5, 300.0, revenue=320.0, connection_id=SHOP),
                settlement("b1", "s-too-early", 85, 999.0, connection_id=SHOP),
            ],
        )
        row = _connection(frames, SHOP)
        assert row["has_payouts"]
        assert row["ordered_usd"] == 250.0
        assert row["settled_usd"] == 320.0
        assert row["gap_usd"] == 70.0
        assert row["gap_share"] == pytest.approx(0.28)
        assert not row["flagged"]  # 28% is within the 35% tolerance
        assert row["orders_from"] == at(90) and row["orders_to"] == at(10)
        assert row["payouts_from"] == at(80) and row["payouts_to"] == AS_OF

    def test_gross_is_the_net_payout_plus_its_fees_when_not_reported(self) -> None:
        frames = _two_accounts(
            [order("b1", "o1", 40, 1000.0, connection_id=SHOP)],
            [settlement("b1", "s1", 20, 280.0, fee=-20.0, connection_id=SHOP)],
        )
        row = _connection(frames, SHOP)
        assert row["settled_usd"] == 300.0
        assert row["gap_usd"] == -700.0
        assert row["gap_share"] == pytest.approx(-0.7)
        assert row["flagged"]  # 70% short on a material amount: the score's verdict too

    def test_an_account_without_payouts_has_nothing_to_compare(self) -> None:
        frames = _two_accounts(
            [order("b1", "o1", 40, 1000.0, connection_id=STORE)],
            [settlement("b1", "s1", 20, 280.0, connection_id=SHOP)],
        )
        row = _connection(frames, STORE)
        assert not row["has_payouts"]
        assert row["ordered_usd"] == 0.0 and row["settled_usd"] == 0.0
        assert np.isnan(row["gap_share"])
        assert not row["flagged"]
        assert _connection(frames, SHOP)["has_payouts"]

    def test_converts_each_side_at_its_days_rate(self) -> None:
        frames = make_frames(
            [connection("b1", SHOP, currency="GBP")],
            [order("b1", "o1", 40, 1000.0, currency="GBP", connection_id=SHOP)],
            settlements=[
                settlement(
                    "b1", "s1", 20, 1000.0, revenue=1000.0, currency="GBP", connection_id=SHOP
                )
            ],
        )
        row = _connection(frames, SHOP)
        assert row["ordered_usd"] > 1000.0  # a pound is worth more than a dollar
        assert row["gap_usd"] == pytest.approx(row["settled_usd"] - row["ordered_usd"])


class TestMonthlyFigures:
    FRAMES = make_frames(
        [connection("b1", SHOP)],
        [
            order("b1", "o0", 5, 100.0, connection_id=SHOP),
            order("b1", "o1", 40, 200.0, connection_id=SHOP),
            order("b1", "o2", 80, 50.0, connection_id=SHOP),
            order("b1", "o-cancelled", 6, 500.0, status="cancelled", connection_id=SHOP),
            order("b1", "o-old", 95, 900.0, connection_id=SHOP),  # before the window
        ],
        [
            refund("b1", "r-paid", 10, 30.0, connection_id=SHOP),
            refund(
                "b1",
                "r-open",
                12,
                40.0,
                status="RETURN_OR_REFUND_REQUEST_PENDING",
                connection_id=SHOP,
            ),
        ],
        [
            commission("b1", "c-settled", 20, 10.0, 8.0, connection_id=SHOP),
            commission("b1", "c-estimate", 50, 10.0, connection_id=SHOP),
            commission("b1", "c-void", 55, 99.0, status="REFUNDED", connection_id=SHOP),
            commission("b1", "c-paid-by-shop", 25, 77.0, role="seller", connection_id=SHOP),
        ],
    )

    def test_newest_month(self) -> None:
        row = _month(self.FRAMES, SHOP, 0)
        assert (row["month_start"], row["month_end"]) == (at(30), AS_OF)
        assert row["sales_usd"] == 100.0 and row["order_count"] == 1
        assert row["refunds_usd"] == 30.0 and row["refund_count"] == 1
        assert row["return_count"] == 2  # the open request counts as a return, not a refund
        assert row["commission_usd"] == 8.0 and row["commission_count"] == 1
        assert row["net_revenue_usd"] == 78.0
        assert row["covered_days"] == 30.0

    def test_unsettled_commissions_count_at_the_discount_and_void_ones_not_at_all(self) -> None:
        row = _month(self.FRAMES, SHOP, 1)
        assert (row["month_start"], row["month_end"]) == (at(60), at(30))
        assert row["sales_usd"] == 200.0
        assert row["commission_usd"] == pytest.approx(6.0)  # 10 x 0.6
        assert row["commission_count"] == 1
        assert row["net_revenue_usd"] == pytest.approx(206.0)

    def test_oldest_month_and_nothing_before_the_window(self) -> None:
        row = _month(self.FRAMES, SHOP, 2)
        assert (row["month_start"], row["month_end"]) == (at(90), at(60))
        assert row["sales_usd"] == 50.0 and row["order_count"] == 1

    def test_monthly_rate_is_the_mean_month_when_all_is_covered(self) -> None:
        row = _connection(self.FRAMES, SHOP)
        assert row["monthly_revenue_usd"] == pytest.approx((78.0 + 206.0 + 50.0) / 3)
        score = score_frames(self.FRAMES, AS_OF).iloc[0]
        assert score["monthly_revenue_usd"] == round(row["monthly_revenue_usd"], 2)

    def test_months_the_platform_hides_are_not_covered(self) -> None:
        frames = make_frames(
            [connection("b1", SHOP, data_days=60.0, visible_days=60)],
            [order("b1", "o1", 40, 200.0, connection_id=SHOP)],
        )
        assert _month(frames, SHOP, 2)["covered_days"] == 0.0
        assert _month(frames, SHOP, 1)["covered_days"] == 30.0


def _key(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by).reset_index(drop=True)


class TestBreakdownProperties:
    @FAST
    @given(frames_strategy())
    def test_months_add_up_to_the_window_totals(self, frames: Frames) -> None:
        result = breakdown(frames, AS_OF)
        sums = result.monthly.groupby("connection_id")[
            ["sales_usd", "refunds_usd", "commission_usd"]
        ].sum()
        totals = result.connections.set_index("connection_id")[sums.columns]
        pd.testing.assert_frame_equal(sums.sort_index(), totals.sort_index(), rtol=1e-9)

    @FAST
    @given(frames_strategy())
    def test_connections_monthly_rates_add_up_to_the_scores(self, frames: Frames) -> None:
        rates = (
            breakdown(frames, AS_OF).connections.groupby("borrower_id")["monthly_revenue_usd"].sum()
        )
        scores = score_frames(frames, AS_OF).set_index("borrower_id")["monthly_revenue_usd"]
        assert np.allclose(rates.round(2).sort_index(), scores.sort_index(), atol=0.011)

    @FAST
    @given(frames_strategy(), st.integers(0, 2**32 - 1))
    def test_row_order_does_not_matter(self, frames: Frames, seed: int) -> None:
        first, second = breakdown(frames, AS_OF), breakdown(_shuffled(frames, seed), AS_OF)
        by = ["connection_id", "month"]
        pd.testing.assert_frame_equal(_key(first.monthly, by), _key(second.monthly, by))
        pd.testing.assert_frame_equal(
            _key(first.connections, ["connection_id"]), _key(second.connections, ["connection_id"])
        )
