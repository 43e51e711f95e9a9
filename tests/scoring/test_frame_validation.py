"""Input-frame contracts: the fast validator enforces the pandera models on every row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.errors import SchemaErrors

from scoring import Frames, FramesInvalidError, score_frames, validate_frames
from scoring.schemas import OrderFrame
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


def _one_order(**changes: Any) -> Frames:
    frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
    return frames.replace(orders=frames.orders.assign(**changes))


def _full() -> Frames:
    return make_frames(
        [connection("b1"), connection("b2", role="creator")],
        [order("b1", "o1", 5), order("b1", "o2", 6, status="cancelled")],
        [refund("b1", "r1", 4)],
        [commission("b2", "c1", 3, 10.0)],
        [settlement("b1", "s1", 2, 90.0, revenue=100.0, fee=-10.0)],
        [health("b1", rating=4.8, violations=0, on_time=0.97)],
    )


class TestValidFrames:
    def test_valid_frames_pass_and_keep_their_rows(self) -> None:
        frames = _full()
        validated = validate_frames(frames)
        for name in Frames.SCHEMAS:
            assert len(getattr(validated, name)) == len(getattr(frames, name))

    def test_empty_frames_are_valid(self) -> None:
        validate_frames(Frames.empty())

    def test_every_model_accepts_what_the_validator_accepts(self) -> None:
        validated = validate_frames(_full())
        for name, model in Frames.SCHEMAS.items():
            model.validate(getattr(validated, name), lazy=True)

    def test_aware_non_utc_and_microsecond_times_are_normalised(self) -> None:
        jakarta = pd.Series([AS_OF.tz_convert("Asia/Jakarta")]).dt.as_unit("us")
        validated = validate_frames(_one_order(created_at=jakarta)).orders
        assert str(validated["created_at"].dtype) == "datetime64[ns, UTC]"
        assert validated["created_at"].iloc[0] == AS_OF

    def test_decimal_amounts_are_coerced_to_float(self) -> None:
        frames = _one_order(total_amount=pd.Series([Decimal("12.34")], dtype=object))
        validated = validate_frames(frames).orders
        assert validated["total_amount"].dtype == "float64"
        assert validated["total_amount"].iloc[0] == pytest.approx(12.34)

    def test_object_string_columns_are_accepted(self) -> None:
        frames = _one_order(status=pd.Series(["completed"], dtype=object))
        assert validate_frames(frames).orders["status"].iloc[0] == "completed"

    def test_visible_days_as_float_becomes_int64(self) -> None:
        frames = make_frames([connection("b1")])
        frames = frames.replace(connections=frames.connections.assign(visible_days=[60.0]))
        assert str(validate_frames(frames).connections["visible_days"].dtype) == "Int64"


class TestRejectedFrames:
    def test_naive_datetimes_are_rejected_with_a_hint(self) -> None:
        with pytest.raises(FramesInvalidError) as caught:
            validate_frames(_one_order(created_at=pd.Series([pd.Timestamp("2025-12-01")])))
        message = str(caught.value)
        assert "OrderFrame (Frames.orders): column 'created_at'" in message
        assert "datetimes must be timezone-aware" in message

    def test_unknown_status_is_rejected_naming_the_value(self) -> None:
        with pytest.raises(FramesInvalidError, match=r"column 'status' failed isin.*'shipped'"):
            validate_frames(_one_order(status="shipped"))

    def test_currency_must_be_iso_4217_shaped(self) -> None:
        with pytest.raises(FramesInvalidError, match=r"'currency' failed str_matches.*'usd'"):
            validate_frames(_one_order(currency="usd"))

    def test_negative_total_is_rejected(self) -> None:
        with pytest.raises(FramesInvalidError, match="column 'total_amount'"):
            validate_frames(_one_order(total_amount=-1.0))

    def test_null_in_a_required_column_is_rejected(self) -> None:
        with pytest.raises(FramesInvalidError, match="column 'order_id' failed not_nullable"):
            validate_frames(_one_order(order_id=pd.Series([None], dtype="str")))

    def test_duplicate_order_ids_within_a_connection_are_rejected(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5), order("b1", "o1", 6)])
        with pytest.raises(FramesInvalidError, match="multiple_fields_uniqueness"):
            validate_frames(frames)

    def test_same_order_id_in_two_connections_is_fine(self) -> None:
        frames = make_frames(
            [connection("b1"), connection("b2")], [order("b1", "o1", 5), order("b2", "o1", 6)]
        )
        validate_frames(frames)

    def test_duplicate_order_of_an_unknown_connection_is_still_caught(self) -> None:
        rows = [order("b9", "o1", 5), order("b9", "o1", 6)]
        with pytest.raises(FramesInvalidError, match="multiple_fields_uniqueness"):
            validate_frames(make_frames([connection("b1")], rows))

    def test_extra_and_missing_columns_are_rejected(self) -> None:
        with pytest.raises(FramesInvalidError, match="column_in_schema"):
            validate_frames(_one_order(buyer_name="Ada"))
        frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
        broken = frames.replace(orders=frames.orders.drop(columns=["is_sample"]))
        with pytest.raises(FramesInvalidError, match="column_in_dataframe"):
            validate_frames(broken)

    def test_commission_role_must_be_seller_or_creator(self) -> None:
        frames = make_frames([connection("b1")], commissions=[commission("b1", "o1", 3, 10.0)])
        broken = frames.replace(commissions=frames.commissions.assign(role="agency"))
        with pytest.raises(FramesInvalidError, match=r"CommissionFrame .*'role'.*'agency'"):
            validate_frames(broken)

    def test_rating_above_five_is_rejected(self) -> None:
        frames = make_frames([connection("b1")], shop_health=[health("b1", rating=5.5)])
        with pytest.raises(FramesInvalidError, match="ShopHealthFrame"):
            validate_frames(frames)

    def test_connection_window_must_be_ordered(self) -> None:
        frames = make_frames([connection("b1", data_end_days_ago=100.0)])
        with pytest.raises(FramesInvalidError, match="data_start must not be after data_end"):
            validate_frames(frames)

    def test_all_failures_of_all_frames_are_listed_together(self) -> None:
        frames = _one_order(status="shipped", currency="usd")
        frames = frames.replace(
            connections=frames.connections.assign(role="agency"),
        )
        with pytest.raises(FramesInvalidError) as caught:
            validate_frames(frames)
        assert set(caught.value.failures) == {
            "OrderFrame (Frames.orders)",
            "ConnectionFrame (Frames.connections)",
        }

    def test_a_fact_whose_borrower_differs_from_its_connection_is_rejected(self) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5)])
        broken = frames.replace(orders=frames.orders.assign(borrower_id="b2"))
        with pytest.raises(FramesInvalidError, match="matches the connection's borrower"):
            score_frames(broken, AS_OF)

    def test_a_non_frame_is_a_type_error(self) -> None:
        frames = Frames.empty().replace(orders=[])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"Frames\.orders must be a pandas DataFrame"):
            validate_frames(frames)


class TestAgreesWithPandera:
    """On every mutation the fast path rejects, pandera's own validate rejects too."""

    MUTATIONS: ClassVar[dict[str, dict[str, object]]] = {
        "status": {"status": "shipped"},
        "currency": {"currency": "us"},
        "amount": {"total_amount": -5.0},
        "naive": {"created_at": pd.Series([pd.Timestamp("2025-12-01")] * 2)},
        "null id": {"order_id": pd.Series([None, "x"], dtype="str")},
        "duplicate": {"order_id": "same"},
    }

    @pytest.mark.parametrize("mutation", sorted(MUTATIONS))
    def test_both_reject(self, mutation: str) -> None:
        frames = make_frames([connection("b1")], [order("b1", "o1", 5), order("b1", "o2", 6)])
        broken = frames.orders.assign(**self.MUTATIONS[mutation])  # type: ignore[arg-type]
        with pytest.raises(FramesInvalidError):
            validate_frames(frames.replace(orders=broken))
        with pytest.raises((SchemaErrors, pa.errors.SchemaError)):
            OrderFrame.validate(broken, lazy=True)

    def test_both_accept_a_large_random_valid_frame(self) -> None:
        rng = np.random.default_rng(3)
        rows = [
            order("b1", f"o{i}", float(rng.uniform(0, 89)), float(rng.uniform(0, 500)))
            for i in range(300)
        ]
        frames = make_frames([connection("b1")], rows)
        validate_frames(frames)
        OrderFrame.validate(frames.orders, lazy=True)
