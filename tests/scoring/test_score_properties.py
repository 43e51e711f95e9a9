"""Properties every score must have, whatever the borrower's data (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_PARAMS, Frames, score_frames
from scoring.fx import rates_frame
from scoring.schemas import ORDER_STATUSES, SUB_SCORES
from tests.scoring.factories import (
    AS_OF,
    commission,
    connection,
    health,
    make_frames,
    order,
    refund,
    settlement,
)

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BORROWERS = ("b0", "b1", "b2")
CURRENCIES = ("USD", "GBP", "EUR", "IDR", "VND", "JPY")
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
)
days_ago = st.floats(min_value=-10.0, max_value=100.0, allow_nan=False)
money = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
borrower = st.sampled_from(BORROWERS)


@st.composite
def frames_strategy(draw: st.DrawFn) -> Frames:
    roles = draw(st.lists(st.sampled_from(["seller", "creator"]), min_size=3, max_size=3))
    connections = [
        connection(
            b,
            role=r,
            seller_type=draw(st.sampled_from([None, "LOCAL", "CROSS_BORDER"])),
            shop_age_days=draw(st.one_of(st.none(), st.floats(1.0, 2000.0))),
        )
        for b, r in zip(BORROWERS, roles, strict=True)
    ]
    orders = [
        order(
            draw(borrower),
            f"o{i}",
            draw(days_ago),
            draw(money),
            status=draw(st.sampled_from(ORDER_STATUSES)),
            currency=draw(st.sampled_from(CURRENCIES)),
            is_sample=draw(st.booleans()),
            observed_days_ago=draw(st.one_of(st.none(), days_ago)),
        )
        for i in range(draw(st.integers(0, 30)))
    ]
    returns = [
        refund(
            draw(borrower),
            f"r{i}",
            draw(days_ago),
            draw(money),
            status=draw(st.sampled_from(RETURN_STATUSES)),
            currency=draw(st.sampled_from(CURRENCIES)),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    commissions = [
        commission(
            draw(borrower),
            f"c{i}",
            draw(days_ago),
            draw(money),
            draw(st.one_of(st.none(), money)),
            role=draw(st.sampled_from(["seller", "creator"])),
            currency=draw(st.sampled_from(CURRENCIES)),
        )
        for i in range(draw(st.integers(0, 10)))
    ]
    settlements = [
        settlement(draw(borrower), f"s{i}", draw(days_ago), draw(money), revenue=draw(money))
        for i in range(draw(st.integers(0, 4)))
    ]
    healths = [
        health(draw(borrower), draw(days_ago), rating=draw(st.floats(0.0, 5.0)), violations=1)
        for _ in range(draw(st.integers(0, 2)))
    ]
    return make_frames(connections, orders, returns, commissions, settlements, healths)


def _shuffled(frames: Frames, seed: int) -> Frames:
    rng = np.random.default_rng(seed)
    return frames.replace(
        **{
            name: getattr(frames, name).iloc[rng.permutation(len(getattr(frames, name)))]
            for name in Frames.SCHEMAS
        }
    )


def _with_orders(frames: Frames, rows: list[dict[str, Any]]) -> Frames:
    extra = make_frames(orders=rows).orders
    return frames.replace(orders=pd.concat([frames.orders, extra], ignore_index=True))


class TestScoreBounds:
    @FAST
    @given(frames_strategy())
    def test_every_score_is_in_0_100_and_never_nan(self, frames: Frames) -> None:
        scores = score_frames(frames, AS_OF)
        assert list(scores["borrower_id"]) == list(BORROWERS)
        assert (scores["status"] == "scored").all()
        values = scores[["composite", *SUB_SCORES]].to_numpy()
        assert not np.isnan(values).any()
        assert ((values >= 0.0) & (values <= 100.0)).all()
        assert scores["monthly_revenue_usd"].notna().all()
        assert scores["tier"].isin(["A", "B", "C", "D", "E"]).all()
        assert scores["confidence"].isin(["high", "medium", "low"]).all()
        assert scores["reasons"].map(len).le(4).all()

    @FAST
    @given(frames_strategy())
    def test_composite_is_the_weighted_sum(self, frames: Frames) -> None:
        scores = score_frames(frames, AS_OF)
        weights = DEFAULT_PARAMS.weights.as_dict()
        weighted = sum(weights[name] * scores[name] for name in SUB_SCORES)
        assert np.allclose(scores["composite"], weighted, atol=0.1)

    def test_weights_sum_to_one(self) -> None:
        assert math.isclose(math.fsum(DEFAULT_PARAMS.weights.as_dict().values()), 1.0)


class TestMonotoneRevenue:
    @FAST
    @given(
        frames_strategy(),
        borrower,
        st.floats(min_value=0.0, max_value=89.0),
        st.floats(min_value=0.01, max_value=10_000.0),
        st.sampled_from(CURRENCIES),
    )
    def test_adding_a_completed_order_never_lowers_revenue(
        self, frames: Frames, who: str, ago: float, total: float, currency: str
    ) -> None:
        before = score_frames(frames, AS_OF).set_index("borrower_id")
        more = _with_orders(frames, [order(who, "extra", ago, total, currency=currency)])
        after = score_frames(more, AS_OF).set_index("borrower_id")
        assert after.loc[who, "revenue"] >= before.loc[who, "revenue"]
        assert after.loc[who, "monthly_revenue_usd"] >= before.loc[who, "monthly_revenue_usd"]
        others = [b for b in BORROWERS if b != who]
        pd.testing.assert_frame_equal(after.loc[others], before.loc[others])


class TestInvariance:
    @FAST
    @given(frames_strategy(), st.integers(0, 2**32 - 1))
    def test_row_order_does_not_matter(self, frames: Frames, seed: int) -> None:
        pd.testing.assert_frame_equal(
            score_frames(_shuffled(frames, seed), AS_OF), score_frames(frames, AS_OF)
        )

    @FAST
    @given(frames_strategy())
    def test_identical_inputs_give_identical_outputs(self, frames: Frames) -> None:
        pd.testing.assert_frame_equal(score_frames(frames, AS_OF), score_frames(frames, AS_OF))

    @FAST
    @given(
        st.lists(
            st.tuples(
                st.floats(min_value=0.5, max_value=89.0), st.floats(min_value=1.0, max_value=5e4)
            ),
            min_size=1,
            max_size=15,
        ),
        st.sampled_from(["GBP", "IDR", "VND", "JPY"]),
    )
    def test_same_usd_value_in_another_currency_scores_the_same(
        self, sales: list[tuple[float, float]], currency: str
    ) -> None:
        # Explicit rates that are powers of two, so usd / rate * rate is exact in floats and
        # the two frames hold exactly the same USD values.
        rates = rates_frame(["USD", currency], AS_OF - pd.Timedelta(days=91), AS_OF)
        exact = {"GBP": 2.0, "IDR": 2.0**-14, "VND": 2.0**-15, "JPY": 2.0**-7}
        rates.loc[rates["currency"] == currency, "usd_per_unit"] = exact[currency]

        def frames_in(cur: str) -> Frames:
            rate = 1.0 if cur == "USD" else exact[cur]
            rows = [
                order("b1", f"o{i}", ago, usd / rate, currency=cur)
                for i, (ago, usd) in enumerate(sales)
            ]
            return make_frames([connection("b1", currency=cur)], rows, fx_rates=rates)

        pd.testing.assert_frame_equal(
            score_frames(frames_in(currency), AS_OF), score_frames(frames_in("USD"), AS_OF)
        )


class TestAsOf:
    @FAST
    @given(frames_strategy(), st.lists(st.tuples(borrower, money, days_ago), max_size=10))
    def test_facts_after_as_of_or_observed_after_it_are_ignored(
        self, frames: Frames, later: list[tuple[str, float, float]]
    ) -> None:
        as_of = AS_OF - pd.Timedelta(days=20)
        late_rows = [
            # created at or after as_of, or created before it but first observed after it
            order(who, f"late{i}", min(ago, 20.0), total)
            if i % 2
            else order(who, f"seen-late{i}", 30.0, total, observed_days_ago=19.0)
            for i, (who, total, ago) in enumerate(later)
        ]
        late = make_frames(
            returns=[
                refund(who, f"late-r{i}", 25.0, total, observed_days_ago=5.0)
                for i, (who, total, _) in enumerate(later)
            ],
            commissions=[
                commission(who, f"late-c{i}", 19.9, total, total)
                for i, (who, total, _) in enumerate(later)
            ],
        )
        grown = _with_orders(frames, late_rows)
        grown = grown.replace(
            returns=pd.concat([grown.returns, late.returns], ignore_index=True),
            commissions=pd.concat([grown.commissions, late.commissions], ignore_index=True),
        )
        pd.testing.assert_frame_equal(score_frames(grown, as_of), score_frames(frames, as_of))
