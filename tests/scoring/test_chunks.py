"""Large batches scored in chunks of whole borrowers give exactly the scores of one piece."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.scoring_batch import AS_OF, generate_frames
from scoring import Frames, FramesInvalidError, score_frames
from scoring.chunks import borrower_chunks

FRAMES = generate_frames(90, 12, seed=41)
ROWS = sum(len(getattr(FRAMES, n)) for n in Frames.SCHEMAS if n != "fx_rates")
WHOLE = score_frames(FRAMES, AS_OF, chunk_rows=ROWS)
PER_BORROWER = ("orders", "returns", "commissions", "settlements", "shop_health", "connections")


def _shuffled(frames: Frames, seed: int) -> Frames:
    """Every per-borrower frame in a random row order (no longer grouped by connection)."""
    rng = np.random.default_rng(seed)
    return frames.replace(
        **{name: getattr(frames, name).sample(frac=1.0, random_state=rng) for name in PER_BORROWER}
    )


def _as_object(frames: Frames) -> Frames:
    """Every string column stored as Python objects instead of Arrow."""
    out = {}
    for name in PER_BORROWER:
        frame: pd.DataFrame = getattr(frames, name)
        text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
        out[name] = frame.astype(dict.fromkeys(text, object))
    return frames.replace(**out)


class TestBorrowerChunks:
    def test_every_row_once_and_every_borrower_in_one_chunk(self) -> None:
        chunks = borrower_chunks(_shuffled(FRAMES, 1), 300)
        assert chunks is not None and len(chunks) > 3
        for name in PER_BORROWER:
            whole: pd.DataFrame = getattr(FRAMES, name)
            parts = [getattr(chunk, name) for chunk in chunks]
            assert sum(len(part) for part in parts) == len(whole)
            together = pd.concat(parts).sort_index()
            pd.testing.assert_frame_equal(together, whole)
        owners: dict[str, int] = {}
        for k, chunk in enumerate(chunks):
            for name in PER_BORROWER:
                for borrower in getattr(chunk, name)["borrower_id"]:
                    assert owners.setdefault(str(borrower), k) == k
        assert all(chunk.fx_rates is FRAMES.fx_rates for chunk in chunks)

    def test_rows_grouped_by_connection_are_cut_without_copying(self) -> None:
        chunks = borrower_chunks(FRAMES, 300)
        assert chunks is not None
        starts = [int(chunk.orders.index[0]) for chunk in chunks if len(chunk.orders)]
        assert starts == sorted(starts)
        amounts = FRAMES.orders["total_amount"].to_numpy()
        for chunk in chunks:  # a slice: consecutive row labels, the caller's memory
            labels = chunk.orders.index.to_numpy()
            assert (np.diff(labels) == 1).all()
            assert np.shares_memory(chunk.orders["total_amount"].to_numpy(), amounts)

    def test_a_chunk_is_built_when_asked_for(self) -> None:
        chunks = borrower_chunks(_shuffled(FRAMES, 2), 300)
        assert chunks is not None
        first, again = chunks[0], chunks[0]
        assert first.orders is not again.orders  # gathered anew: nothing held between calls
        pd.testing.assert_frame_equal(first.orders, again.orders)
        with pytest.raises(IndexError):
            chunks[len(chunks)]

    def test_a_batch_that_fits_one_chunk_is_not_cut(self) -> None:
        assert borrower_chunks(FRAMES, ROWS) is None
        halves = borrower_chunks(FRAMES, ROWS // 2)
        assert halves is not None and len(halves) == 2

    def test_repeated_connection_ids_are_not_cut(self) -> None:
        connections = pd.concat([FRAMES.connections, FRAMES.connections.iloc[:1]])
        frames = FRAMES.replace(connections=connections.reset_index(drop=True))
        assert borrower_chunks(frames, 100) is None
        with pytest.raises(FramesInvalidError, match="multiple_fields_uniqueness"):
            score_frames(frames, AS_OF, chunk_rows=100)

    def test_a_frame_missing_its_id_column_is_not_cut(self) -> None:
        frames = FRAMES.replace(orders=FRAMES.orders.drop(columns=["connection_id"]))
        assert borrower_chunks(frames, 100) is None
        with pytest.raises(FramesInvalidError, match="connection_id"):
            score_frames(frames, AS_OF, chunk_rows=100)

    def test_non_positive_chunk_rows_is_refused(self) -> None:
        with pytest.raises(ValueError, match="chunk_rows must be at least 1, got 0"):
            score_frames(FRAMES, AS_OF, chunk_rows=0)


class TestScoreFramesInChunks:
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        chunk_rows=st.integers(min_value=1, max_value=ROWS),
        workers=st.integers(min_value=1, max_value=3),
        shuffle=st.one_of(st.none(), st.integers(min_value=0, max_value=2**16)),
    )
    def test_any_cut_scores_like_one_piece(
        self, chunk_rows: int, workers: int, shuffle: int | None
    ) -> None:
        # Against the same rows in the same order in one piece: a borrower's sums add its rows
        # in row order, in one piece as in a chunk, so even the last bit of every float agrees.
        frames = FRAMES if shuffle is None else _shuffled(FRAMES, shuffle)
        whole = WHOLE if shuffle is None else score_frames(frames, AS_OF, chunk_rows=ROWS)
        result = score_frames(frames, AS_OF, workers=workers, chunk_rows=chunk_rows)
        pd.testing.assert_frame_equal(result, whole, check_exact=True)

    def test_python_string_storage_scores_like_one_piece(self) -> None:
        result = score_frames(_as_object(FRAMES), AS_OF, workers=2, chunk_rows=500)
        pd.testing.assert_frame_equal(result, WHOLE, check_exact=True)

    def test_rows_of_unknown_connections_are_skipped_as_in_one_piece(self) -> None:
        stray = FRAMES.orders.iloc[::9].copy()
        stray["connection_id"] = [f"gone-{i}" for i in range(len(stray))]
        stray["order_id"] = [f"stray-{i}" for i in range(len(stray))]
        orders = pd.concat([FRAMES.orders, stray], ignore_index=True)
        frames = FRAMES.replace(orders=orders.sample(frac=1.0, random_state=3))
        pd.testing.assert_frame_equal(
            score_frames(frames, AS_OF, chunk_rows=400),
            score_frames(frames, AS_OF, chunk_rows=ROWS),
            check_exact=True,
        )

    def test_errors_in_several_chunks_are_all_reported(self) -> None:
        orders = FRAMES.orders.copy()
        orders.loc[orders.index[[3, -3]], "status"] = "lost_in_the_mail"
        orders.loc[orders.index[-1], "borrower_id"] = "someone-else"
        frames = FRAMES.replace(orders=orders)
        with pytest.raises(FramesInvalidError) as whole:
            score_frames(frames, AS_OF, chunk_rows=ROWS)
        with pytest.raises(FramesInvalidError) as chunked:
            score_frames(frames, AS_OF, workers=2, chunk_rows=300)
        assert str(chunked.value) == str(whole.value)
        assert "lost_in_the_mail" in str(chunked.value)

    def test_a_borrower_heavier_than_a_chunk_is_scored_whole(self) -> None:
        result = score_frames(FRAMES, AS_OF, chunk_rows=1)
        pd.testing.assert_frame_equal(result, WHOLE, check_exact=True)

    def test_non_positive_workers_is_refused(self) -> None:
        with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
            score_frames(FRAMES, AS_OF, workers=0)
