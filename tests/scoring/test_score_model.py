"""score_frames: who is scored, the output contract, and the reasons it gives."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from scoring.model import score_frames
from scoring.params import MODEL_VERSION, parse_params
from scoring.schemas import Frames
from tests.scoring.factories import (
    AS_OF,
    commission,
    connection,
    make_frames,
    order,
    refund,
    settlement,
    weekly_orders,
)

V0_FILE = Path(__file__).resolve().parents[2] / "scoring" / "params" / "v0.toml"
EXPECTED_DTYPES = {
    "borrower_id": "str",
    "composite": "float64",
    "revenue": "float64",
    "consistency": "float64",
    "reliability": "float64",
    "growth": "float64",
    "monthly_revenue_usd": "float64",
    "order_count": "int64",
    "reasons": "object",
    "model_version": "str",
    "as_of": "datetime64[ns, UTC]",
    "window_start": "datetime64[ns, UTC]",
    "window_end": "datetime64[ns, UTC]",
}


class TestOutputContract:
    def test_columns_and_dtypes(self) -> None:
        scores = score_frames(make_frames([connection("b1")]), AS_OF)
        assert {c: str(t) for c, t in scores.dtypes.items()} == EXPECTED_DTYPES

    def test_stamps_version_as_of_and_window(self) -> None:
        as_of = datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
        row = score_frames(make_frames([connection("b1")]), as_of).iloc[0]
        assert row["model_version"] == MODEL_VERSION == "v0.1.0"
        assert row["as_of"] == pd.Timestamp(as_of) == row["window_end"]
        assert row["window_start"] == pd.Timestamp(as_of) - pd.Timedelta(days=90)

    def test_as_of_in_another_zone_is_the_same_instant(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [100.0] * 13))
        jakarta = AS_OF.tz_convert("Asia/Jakarta")
        pd.testing.assert_frame_equal(score_frames(frames, jakarta), score_frames(frames, AS_OF))

    def test_naive_as_of_is_refused(self) -> None:
        with pytest.raises(ValueError, match="as_of must be timezone-aware"):
            score_frames(Frames.empty(), datetime(2026, 1, 1))  # noqa: DTZ001

    def test_no_connections_no_rows(self) -> None:
        scores = score_frames(Frames.empty(), AS_OF)
        assert scores.empty
        assert list(scores.columns) == list(EXPECTED_DTYPES)

    def test_scores_rounded_to_one_decimal(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [333.0, 71.0] * 6 + [5.0]))
        row = score_frames(frames, AS_OF).iloc[0]
        for name in ("composite", "revenue", "consistency", "reliability", "growth"):
            assert row[name] == round(row[name], 1)


class TestWhoIsScored:
    def test_one_row_per_borrower_with_connections_sorted(self) -> None:
        frames = make_frames(
            [connection("b2"), connection("b1", "b1-shop"), connection("b1", "b1-creator")],
            orders=[order("b9", "o1", 5, connection_id="b9-conn")],
        )
        assert score_frames(frames, AS_OF)["borrower_id"].tolist() == ["b1", "b2"]

    def test_facts_of_unlisted_connections_are_ignored(self) -> None:
        listed = make_frames([connection("b1")], weekly_orders("b1", [100.0] * 13))
        stray = [order("b1", "x", 5, 50_000.0, connection_id="b1-revoked")]
        with_stray = listed.replace(
            orders=pd.concat([listed.orders, make_frames(orders=stray).orders], ignore_index=True)
        )
        pd.testing.assert_frame_equal(score_frames(with_stray, AS_OF), score_frames(listed, AS_OF))

    def test_facts_of_all_a_borrowers_connections_add_up(self) -> None:
        frames = make_frames(
            [connection("b1", "shop"), connection("b1", "creator", role="creator")],
            orders=[order("b1", "o1", 5, 3000.0, connection_id="shop")],
            commissions=[commission("b1", "c1", 5, 999.0, 300.0, connection_id="creator")],
        )
        row = score_frames(frames, AS_OF).iloc[0]
        assert row["monthly_revenue_usd"] == pytest.approx(1100.0)
        assert row["order_count"] == 1

    def test_settlements_do_not_change_v0_scores(self) -> None:
        base = make_frames([connection("b1")], weekly_orders("b1", [100.0] * 13))
        paid = base.replace(
            settlements=make_frames(settlements=[settlement("b1", "s1", 3, 1e6)]).settlements
        )
        pd.testing.assert_frame_equal(score_frames(paid, AS_OF), score_frames(base, AS_OF))


class TestParams:
    def test_other_params_change_the_score_and_version(self) -> None:
        raw = tomllib.loads(V0_FILE.read_text(encoding="utf-8"))
        raw["model_version"] = "v0.2.0"
        raw["weights"] = {"revenue": 1.0, "consistency": 0.0, "reliability": 0.0, "growth": 0.0}
        frames = make_frames([connection("b1")], weekly_orders("b1", [1000.0] * 13))
        row = score_frames(frames, AS_OF, parse_params(raw)).iloc[0]
        assert row["composite"] == row["revenue"]
        assert row["model_version"] == "v0.2.0"


class TestReasons:
    def test_reasons_carry_the_borrowers_numbers(self) -> None:
        orders = [order("b1", f"o{i}", 5 + i, 100.0) for i in range(29)]
        orders += [order("b1", "c1", 6, status="cancelled")]
        returns = [refund("b1", f"r{i}", 4, 10.0) for i in range(7)]
        row = score_frames(make_frames([connection("b1")], orders, returns), AS_OF).iloc[0]
        messages = {r["code"]: r["message"] for r in row["reasons"]}
        assert messages["REVENUE_LOW"] == "Monthly revenue $943 is below $1,000"
        assert messages["RETURN_RATE_HIGH"] == "Return rate 24.1% is above 10%"
        assert messages["FEW_ACTIVE_WEEKS"] == "Sales in 5 of 13 weeks, fewer than 10"

    def test_ranked_by_points_lost_and_at_most_four(self) -> None:
        orders = [order("b1", f"o{i}", 80 + i, 100.0) for i in range(5)]
        orders += [order("b1", f"x{i}", 80, status="cancelled") for i in range(3)]
        returns = [refund("b1", f"r{i}", 81, 10.0) for i in range(3)]
        row = score_frames(make_frames([connection("b1")], orders, returns), AS_OF).iloc[0]
        codes = [r["code"] for r in row["reasons"]]
        assert len(codes) == 4
        # FEW_ACTIVE_WEEKS and REVENUE_VOLATILE fire too but explain fewer points, so they are
        # cut; GROWTH_NEGATIVE and RETURN_RATE_HIGH tie at 20 points and are ordered by code.
        assert codes == [
            "REVENUE_LOW",
            "GROWTH_NEGATIVE",
            "RETURN_RATE_HIGH",
            "CANCELLATION_RATE_HIGH",
        ]
        assert {r["sub_score"] for r in row["reasons"]} <= {
            "revenue",
            "consistency",
            "reliability",
            "growth",
        }

    def test_a_strong_seller_has_no_reasons(self) -> None:
        frames = make_frames([connection("b1")], weekly_orders("b1", [20_000.0] * 13))
        assert score_frames(frames, AS_OF).iloc[0]["reasons"] == []


class TestPackageExports:
    def test_public_interface(self) -> None:
        import scoring
        from scoring import model, params, schemas

        assert sorted(scoring.__all__) == [
            "Frames",
            "FramesInvalidError",
            "MODEL_VERSION",
            "score_frames",
        ]
        assert scoring.score_frames is model.score_frames
        assert scoring.Frames is schemas.Frames
        assert scoring.MODEL_VERSION == params.MODEL_VERSION
