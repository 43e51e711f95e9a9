"""DuckDB's monthly revenue aggregates agree with the scoring's on generated frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.scoring_batch import AS_OF, generate_frames
from bench.scoring_sql import monthly_revenue_sql
from scoring import borrower_features

# Both sides add the same float64 products (amount x day rate) in different orders; over a
# borrower's few hundred facts of at most ~1e4 USD the rounding error stays far below 1e-6 USD.
_ATOL_USD = 1e-6


class TestMonthlyRevenueSql:
    def test_agrees_with_scoring_per_borrower(self) -> None:
        frames = generate_frames(200, 30, seed=11)
        features = borrower_features(frames, AS_OF)
        sql = monthly_revenue_sql(frames, AS_OF).aggregates.set_index("borrower_id")
        assert list(sql.index) == list(features.index)
        np.testing.assert_allclose(
            sql["monthly_revenue_usd"], features["monthly_revenue_usd"], rtol=0, atol=_ATOL_USD
        )
        assert (features["monthly_revenue_usd"] != 0).sum() > 150

    def test_months_add_up_to_the_window_net_revenue(self) -> None:
        frames = generate_frames(200, 30, seed=12)
        features = borrower_features(frames, AS_OF)
        sql = monthly_revenue_sql(frames, AS_OF).aggregates.set_index("borrower_id")
        net = features["sales_usd"] - features["refunds_usd"] + features["commission_usd"]
        months = sql[["month_0", "month_1", "month_2"]].sum(axis=1)
        np.testing.assert_allclose(months, net, rtol=0, atol=_ATOL_USD)

    def test_facts_after_as_of_change_nothing(self) -> None:
        frames = generate_frames(60, 20, seed=13)
        earlier = AS_OF - pd.Timedelta(days=10)
        features = borrower_features(frames, earlier)
        sql = monthly_revenue_sql(frames, earlier).aggregates.set_index("borrower_id")
        np.testing.assert_allclose(
            sql["monthly_revenue_usd"], features["monthly_revenue_usd"], rtol=0, atol=_ATOL_USD
        )

    def test_times_are_reported(self) -> None:
        result = monthly_revenue_sql(generate_frames(20, 10, seed=14), AS_OF)
        assert result.query_seconds > 0 and result.prepare_seconds > 0
        assert len(result.aggregates) == 20

    def test_one_thread_gives_the_same_aggregates(self) -> None:
        frames = generate_frames(50, 10, seed=15)
        default = monthly_revenue_sql(frames, AS_OF)
        single = monthly_revenue_sql(frames, AS_OF, threads=1)
        assert single.threads == 1 and default.threads >= 1
        pd.testing.assert_frame_equal(single.aggregates, default.aggregates)
