"""Scoring gives identical results whatever storage the input's string columns use.

pandas stores ``str`` in Arrow when ``pyarrow`` is installed (the dev and ``scale`` installs)
and in Python objects otherwise; callers may also pass ``object`` columns or the ``string``
dtype. Every storage must validate and score to exactly the same frame, missing values included.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.scoring_batch import AS_OF, generate_frames
from scoring import Frames, FramesInvalidError, borrower_features, score_frames
from scoring.distributed import score_frames_dask
from scoring.strings import (
    TEXT_DTYPE_NAMES,
    _arrow,
    _runs_worth_it,
    arrow_codes,
    holds_text,
    is_text_dtype,
    text_hash,
)
from scoring.validation import validate_frames

STORAGES = {
    "object": np.dtype(object),
    "str, Python": pd.StringDtype("python", na_value=np.nan),
    "str, Arrow": pd.StringDtype("pyarrow", na_value=np.nan),
    "string, Python": pd.StringDtype("python"),
    "string, Arrow": pd.StringDtype("pyarrow"),
}


def _with_gaps() -> Frames:
    """Generated frames with missing values in the nullable string columns."""
    frames = generate_frames(60, 12, seed=31)
    orders = frames.orders.copy()
    orders.loc[orders.index[::7], "buyer_ref"] = None
    connections = frames.connections.copy()
    connections.loc[connections.index[::3], "region"] = None
    connections.loc[connections.index[1::4], "seller_type"] = None
    return frames.replace(orders=orders, connections=connections)


BASE = _with_gaps()


def _stored_as(frames: Frames, dtype: object) -> Frames:
    """``frames`` with every string column converted to ``dtype``."""
    out = {}
    for name in Frames.SCHEMAS:
        frame: pd.DataFrame = getattr(frames, name)
        text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
        converted = frame.astype(dict.fromkeys(text, dtype))
        if dtype == np.dtype(object):  # astype(object) keeps NaN; callers pass None
            converted[text] = converted[text].where(converted[text].notna(), None)
        out[name] = converted
    return Frames(**out)


EXPECTED = score_frames(BASE, AS_OF)
EXPECTED_FEATURES = borrower_features(BASE, AS_OF)


@pytest.mark.parametrize("storage", list(STORAGES))
class TestEveryStorageScoresTheSame:
    def test_the_input_really_uses_that_storage(self, storage: str) -> None:
        frames = _stored_as(BASE, STORAGES[storage])
        assert frames.orders["borrower_id"].dtype == STORAGES[storage]
        assert frames.connections["region"].isna().sum() > 0
        assert all(holds_text(frames.orders[c]) for c in ("order_id", "status", "buyer_ref"))

    def test_scores_are_identical(self, storage: str) -> None:
        result = score_frames(_stored_as(BASE, STORAGES[storage]), AS_OF)
        pd.testing.assert_frame_equal(result, EXPECTED)

    def test_features_are_identical(self, storage: str) -> None:
        result = borrower_features(_stored_as(BASE, STORAGES[storage]), AS_OF)
        pd.testing.assert_frame_equal(result, EXPECTED_FEATURES)

    def test_dask_scores_are_identical(self, storage: str) -> None:
        result = score_frames_dask(_stored_as(BASE, STORAGES[storage]), AS_OF, npartitions=3)
        pd.testing.assert_frame_equal(result, EXPECTED)

    def test_validation_keeps_the_callers_storage(self, storage: str) -> None:
        validated = validate_frames(_stored_as(BASE, STORAGES[storage]))
        assert validated.orders["order_id"].dtype == STORAGES[storage]


class TestRecognisingText:
    def test_every_string_dtype_and_its_name_is_text(self) -> None:
        for dtype in [d for d in STORAGES.values() if isinstance(d, pd.StringDtype)]:
            assert is_text_dtype(dtype)
        assert all(is_text_dtype(name) for name in TEXT_DTYPE_NAMES)

    def test_other_dtypes_are_not_text(self) -> None:
        for dtype in (np.dtype(object), np.dtype("float64"), "int64", "datetime64[ns, UTC]"):
            assert not is_text_dtype(dtype)

    def test_object_columns_hold_text_only_when_every_value_is_a_string(self) -> None:
        assert holds_text(pd.Series(["a", None], dtype=object))
        assert holds_text(pd.Series([], dtype=object))
        assert not holds_text(pd.Series(["a", 1], dtype=object))
        assert not holds_text(pd.Series([1.0, 2.0]))

    def test_an_object_column_of_numbers_is_still_rejected(self) -> None:
        orders = BASE.orders.assign(order_id=pd.Series(range(len(BASE.orders)), dtype=object))
        with pytest.raises(FramesInvalidError, match="order_id"):
            validate_frames(BASE.replace(orders=orders))


def test_frames_invalid_error_survives_pickling() -> None:
    # Dask worker processes send it back to the client pickled.
    orders = BASE.orders.copy()
    orders.loc[0, "currency"] = "usd"
    with pytest.raises(FramesInvalidError) as caught:
        validate_frames(BASE.replace(orders=orders))
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes
    assert str(copy) == str(caught.value)
    assert list(copy.failures) == list(caught.value.failures)
    pd.testing.assert_frame_equal(
        copy.failures["OrderFrame (Frames.orders)"],
        caught.value.failures["OrderFrame (Frames.orders)"],
    )


class TestTextHash:
    @settings(max_examples=60, deadline=None)
    @given(
        values=st.lists(
            st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["a", "a\0", "é", "ab"])),
            min_size=1,
            max_size=40,
        ),
        cut=st.integers(min_value=0, max_value=40),
    )
    def test_equal_strings_hash_equal_in_every_storage(
        self, values: list[str | None], cut: int
    ) -> None:
        for dtype in STORAGES.values():
            series = pd.Series(values, dtype=dtype)
            hashed = text_hash(series)
            assert hashed.dtype == np.int64 and len(hashed) == len(values)
            by_value: dict[object, int] = {}
            for value, h in zip(values, hashed.tolist(), strict=True):
                if value is not None:
                    assert by_value.setdefault(value, h) == h
            # A slice and a two-chunk column (Arrow) hash each row as the whole column does.
            cut = min(cut, len(values))
            assert (text_hash(series.iloc[cut:]) == hashed[cut:]).all()
            joined = pd.concat([series.iloc[:cut], series.iloc[cut:]], ignore_index=True)
            assert (text_hash(joined) == hashed).all()

    def test_distinct_ids_rarely_collide(self) -> None:
        ids = pd.Series([f"order-{i}" for i in range(200_000)], dtype="str")
        assert len(np.unique(text_hash(ids))) == len(ids)

    def test_long_strings_are_hashed_too(self) -> None:
        series = pd.Series(["x" * 100, "x" * 100, "x" * 99 + "y"], dtype="str")
        hashed = text_hash(series)
        assert hashed[0] == hashed[1] != hashed[2]

    def test_duplicate_ids_are_found_whatever_the_storage(self) -> None:
        orders = BASE.orders.copy()
        orders.loc[5, ["connection_id", "order_id"]] = orders.loc[3, ["connection_id", "order_id"]]
        orders.loc[5, "borrower_id"] = orders.loc[3, "borrower_id"]
        for dtype in STORAGES.values():
            frames = _stored_as(BASE.replace(orders=orders), dtype)
            with pytest.raises(FramesInvalidError, match="multiple_fields_uniqueness"):
                validate_frames(frames)


_VALUES = st.one_of(st.none(), st.sampled_from(["", "a", "b", "shop-7", "ünï", "a" * 70]))


@settings(max_examples=300, deadline=None)
@given(
    runs=st.lists(st.tuples(_VALUES, st.integers(1, 40)), max_size=60),
    scattered=st.lists(_VALUES, max_size=30),
)
def test_arrow_codes_equal_pandas_factorize_with_and_without_runs(
    runs: list[tuple[str | None, int]], scattered: list[str | None]
) -> None:
    # Long runs take the one-row-per-run path, scattered values the direct one; both agree
    # with pandas whatever the mix of runs, repeats across runs and nulls.
    for values in ([v for v, n in runs for _ in range(n)], scattered, scattered * 3):
        series = pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        got = arrow_codes(series)
        assert got is not None
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
        np.testing.assert_array_equal(got[0], codes)
        assert got[1].tolist() == list(uniques)


def test_arrow_codes_of_a_long_grouped_column_use_its_runs() -> None:
    # Past the sample size: the run path, on a column of 200,000 rows in 1,000 runs.
    values = np.repeat(np.array([f"c{i % 700}" for i in range(1000)], dtype=object), 200)
    series = pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    assert _runs_worth_it(_arrow(series)) is not None
    got = arrow_codes(series)
    assert got is not None
    codes, uniques = pd.factorize(values)
    np.testing.assert_array_equal(got[0], codes)
    assert got[1].tolist() == list(uniques)
