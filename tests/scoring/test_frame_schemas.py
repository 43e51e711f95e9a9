"""Contracts of the scoring input and output frames: what they accept, and how they refuse."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from pandera.errors import SchemaError

from scoring import score_frames
from scoring.schemas import (
    Frames,
    FramesInvalidError,
    OrderFrame,
    ScoreFrame,
    validate_frames,
)
from tests.scoring.factories import AS_OF, commission, connection, make_frames, order, refund


def _one_order(**changes: object) -> Frames:
    frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
    return frames.replace(orders=frames.orders.assign(**changes))


class TestFramesEmpty:
    def test_empty_frames_are_valid(self) -> None:
        validated = validate_frames(Frames.empty())
        assert all(len(getattr(validated, name)) == 0 for name in Frames.SCHEMAS)

    def test_empty_frames_carry_every_column(self) -> None:
        frames = Frames.empty()
        assert list(frames.orders.columns) == [
            "borrower_id",
            "connection_id",
            "platform",
            "order_id",
            "created_at",
            "status",
            "currency",
            "total_amount",
            "is_sample",
        ]
        assert str(frames.orders["created_at"].dtype) == "datetime64[ns, UTC]"


class TestOrderFrame:
    def test_valid_frame_passes(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
        assert len(validate_frames(frames).orders) == 1

    def test_aware_non_utc_and_microsecond_times_are_normalised(self) -> None:
        jakarta = pd.Series([AS_OF.tz_convert("Asia/Jakarta")]).dt.as_unit("us")
        validated = OrderFrame.validate(_one_order(created_at=jakarta).orders)
        assert str(validated["created_at"].dtype) == "datetime64[ns, UTC]"
        assert validated["created_at"].iloc[0] == AS_OF

    def test_naive_datetimes_are_rejected_with_a_hint(self) -> None:
        naive = pd.Series([pd.Timestamp("2025-12-01")])
        with pytest.raises(FramesInvalidError) as caught:
            validate_frames(_one_order(created_at=naive))
        message = str(caught.value)
        assert "OrderFrame (Frames.orders): column 'created_at'" in message
        assert "datetimes must be timezone-aware" in message

    def test_unknown_status_is_rejected_naming_the_value(self) -> None:
        with pytest.raises(FramesInvalidError, match=r"column 'status' failed isin.*'shipped'"):
            validate_frames(_one_order(status="shipped"))

    def test_currency_must_be_iso_4217_shaped(self) -> None:
        with pytest.raises(
            FramesInvalidError, match=r"column 'currency' failed str_matches.*'usd'"
        ):
            validate_frames(_one_order(currency="usd"))

    def test_negative_total_is_rejected(self) -> None:
        with pytest.raises(FramesInvalidError, match="column 'total_amount'"):
            validate_frames(_one_order(total_amount=-1.0))

    def test_decimal_amounts_are_coerced_to_float(self) -> None:
        frames = _one_order(total_amount=pd.Series([Decimal("12.34")], dtype=object))
        validated = validate_frames(frames).orders
        assert validated["total_amount"].dtype == "float64"
        assert validated["total_amount"].iloc[0] == pytest.approx(12.34)

    def test_duplicate_order_ids_within_a_connection_are_rejected(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5), order("b1", "o1", 6)])
        with pytest.raises(FramesInvalidError, match="multiple_fields_uniqueness"):
            validate_frames(frames)

    def test_extra_columns_are_rejected(self) -> None:
        with pytest.raises(FramesInvalidError, match="column_in_schema"):
            validate_frames(_one_order(buyer_name="Ada"))

    def test_missing_column_is_rejected(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
        broken = frames.replace(orders=frames.orders.drop(columns=["is_sample"]))
        with pytest.raises(FramesInvalidError, match="is_sample"):
            validate_frames(broken)


class TestOtherInputFrames:
    def test_commission_role_must_be_seller_or_creator(self) -> None:
        frames = make_frames([connection("b1")], commissions=[commission("b1", "o1", 3, 10.0)])
        broken = frames.replace(commissions=frames.commissions.assign(role="agency"))
        with pytest.raises(FramesInvalidError, match=r"CommissionFrame .*'role'.*'agency'"):
            validate_frames(broken)

    def test_unsettled_commission_may_have_no_actual_amount(self) -> None:
        frames = make_frames([connection("b1")], commissions=[commission("b1", "o1", 3, 10.0)])
        assert validate_frames(frames).commissions["actual_commission"].isna().all()

    def test_connection_window_must_be_ordered(self) -> None:
        frames = make_frames([connection("b1")])
        broken = frames.replace(
            connections=frames.connections.assign(data_start=AS_OF + pd.Timedelta(days=1))
        )
        with pytest.raises(FramesInvalidError, match="data_start must not be after data_end"):
            validate_frames(broken)

    def test_connection_region_and_currency_may_be_null(self) -> None:
        frames = make_frames([connection("b1", role="creator", region=None, currency=None)])
        assert len(validate_frames(frames).connections) == 1


class TestFramesInvalidError:
    def test_every_failing_frame_is_reported_at_once(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5)], [refund("b1", "r1", 4)])
        broken = frames.replace(
            orders=frames.orders.assign(status="shipped"),
            returns=frames.returns.assign(refund_amount=-5.0),
        )
        with pytest.raises(FramesInvalidError) as caught:
            score_frames(broken, AS_OF)
        assert set(caught.value.failures) == {
            "OrderFrame (Frames.orders)",
            "ReturnFrame (Frames.returns)",
        }

    def test_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="input frames failed validation"):
            validate_frames(_one_order(status="shipped"))

    def test_non_dataframe_is_a_type_error(self) -> None:
        frames = Frames.empty().replace(orders=[])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"Frames\.orders must be a pandas DataFrame, got list"):
            validate_frames(frames)


class TestScoreFrame:
    def test_rejects_out_of_range_scores(self) -> None:
        scores = score_frames(make_frames([connection("b1")]), AS_OF)
        with pytest.raises(SchemaError, match="less_than_or_equal_to"):
            ScoreFrame.validate(scores.assign(composite=100.5))

    def test_rejects_malformed_reasons(self) -> None:
        scores = score_frames(make_frames([connection("b1")]), AS_OF)
        bad = pd.Series([[{"code": "X"}]], dtype=object)
        with pytest.raises(SchemaError, match="reasons must be a list of reason dicts"):
            ScoreFrame.validate(scores.assign(reasons=bad))
