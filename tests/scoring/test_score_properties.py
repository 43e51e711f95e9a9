"""Properties every score must have, whatever the borrower's data (hypothesis)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.fx import usd_per_unit
from scoring.model import SUB_SCORES, score_frames
from scoring.params import DEFAULT_PARAMS
from scoring.schemas import ORDER_STATUSES, Frames
from tests.scoring.factories import AS_OF, commission, connection, make_frames, order, refund

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BORROWERS = ("b0", "b1", "b2")
CURRENCIES = ("USD", "GBP", "EUR", "IDR", "VND")
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
    connections = [connection(b, role=r) for b, r in zip(BORROWERS, roles, strict=True)]
    orders = [
        order(
            draw(borrower),
            f"o{i}",
            draw(days_ago),
            draw(money),
            status=draw(st.sampled_from(ORDER_STATUSES)),
            currency=draw(st.sampled_from(CURRENCIES)),
            is_sample=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 25)))
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
        for i in range(draw(st.integers(0, 8)))
    ]
    return make_frames(connections, orders, returns, commissions)


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
        values = scores[["composite", *SUB_SCORES]].to_numpy()
        assert not np.isnan(values).any()
        assert ((values >= 0.0) & (values <= 100.0)).all()
        assert scores["monthly_revenue_usd"].notna().all()
        assert scores["reasons"].map(len).le(4).all()

    @FAST
    @given(frames_strategy())
    def test_composite_is_the_weighted_sum(self, frames: Frames) -> None:
        scores = score_frames(frames, AS_OF)
        weights = DEFAULT_PARAMS.weights.as_dict()
        weighted = sum(weights[name] * scores[name] for name in SUB_SCORES)
        assert np.allclose(scores["composite"], weighted, atol=0.1)


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
        )
    )
    def test_same_usd_value_in_gbp_scores_the_same(self, sales: list[tuple[float, float]]) -> None:
        def frames_in(currency: str) -> Frames:
            rows = []
            for i, (ago, usd) in enumerate(sales):
                when = AS_OF - pd.Timedelta(days=ago)
                rate = usd_per_unit(currency, date(when.year, when.month, when.day))
                rows.append(order("b1", f"o{i}", ago, usd / rate, currency=currency))
            return make_frames([connection("b1")], rows)

        in_usd = score_frames(frames_in("USD"), AS_OF).iloc[0]
        in_gbp = score_frames(frames_in("GBP"), AS_OF).iloc[0]
        assert abs(in_usd["revenue"] - in_gbp["revenue"]) <= 0.1
        assert abs(in_usd["composite"] - in_gbp["composite"]) <= 0.1
        assert np.isclose(in_usd["monthly_revenue_usd"], in_gbp["monthly_revenue_usd"], rtol=1e-6)


class TestAsOf:
    @FAST
    @given(frames_strategy(), st.lists(st.tuples(borrower, money, days_ago), max_size=10))
    def test_facts_after_as_of_are_ignored(
        self, frames: Frames, later: list[tuple[str, float, float]]
    ) -> None:
        as_of = AS_OF - pd.Timedelta(days=20)
        late_rows = [
            order(who, f"late{i}", min(ago, 20.0), total)  # created at or after as_of
            for i, (who, total, ago) in enumerate(later)
        ]
        late = make_frames(
            returns=[
                refund(who, f"late-r{i}", 5.0, total) for i, (who, total, _) in enumerate(later)
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


class TestNoOrders:
    def test_a_borrower_with_a_connection_only_gets_a_valid_low_score(self) -> None:
        scores = score_frames(make_frames([connection("b1")]), AS_OF)
        row = scores.iloc[0]
        assert row["revenue"] == 0.0
        assert row["consistency"] == 0.0
        assert row["reliability"] == 50.0
        assert row["growth"] == 50.0
        assert row["composite"] == 20.0
        assert row["order_count"] == 0
        assert [r["code"] for r in row["reasons"]] == [
            "REVENUE_LOW",
            "FEW_ACTIVE_WEEKS",
            "NO_ORDERS",
        ]
