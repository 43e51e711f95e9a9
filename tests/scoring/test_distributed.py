"""Batch scoring on Dask gives exactly the pandas result, on a LocalCluster and any partitioning."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.scoring_batch import AS_OF, generate_frames
from scoring import Frames, FramesInvalidError, score_frames
from scoring.distributed import borrower_partitions, score_frames_dask

FRAMES = generate_frames(120, 15, seed=21)
EXPECTED = score_frames(FRAMES, AS_OF)
SMALL = generate_frames(8, 10, seed=22)
SMALL_EXPECTED = score_frames(SMALL, AS_OF)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # Threads in this process: no worker start-up or pickling of the frames between processes,
    # which keeps the test fast and steady on a small shared machine; scheduling is the same.
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


class TestScoreFramesDask:
    def test_on_a_local_cluster_equals_pandas(self, client: Client) -> None:
        result = score_frames_dask(FRAMES, AS_OF, client=client)
        pd.testing.assert_frame_equal(result, EXPECTED)

    def test_with_more_partitions_than_workers_on_the_cluster(self, client: Client) -> None:
        result = score_frames_dask(FRAMES, AS_OF, npartitions=5, client=client)
        pd.testing.assert_frame_equal(result, EXPECTED)

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(npartitions=st.integers(min_value=1, max_value=16))
    def test_partition_count_does_not_change_the_result(self, npartitions: int) -> None:
        # Up to twice as many partitions as borrowers, so some partitions are empty.
        result = score_frames_dask(SMALL, AS_OF, npartitions=npartitions)
        pd.testing.assert_frame_equal(result, SMALL_EXPECTED)

    def test_a_row_disagreeing_with_its_connection_fails_as_in_one_piece(self) -> None:
        orders = FRAMES.orders.copy()
        orders.loc[0, "borrower_id"] = "someone-else"
        frames = Frames(**{**vars_of(FRAMES), "orders": orders})
        with pytest.raises(FramesInvalidError):
            score_frames(frames, AS_OF)
        with pytest.raises(FramesInvalidError):
            score_frames_dask(frames, AS_OF, npartitions=4)

    def test_non_positive_partition_count_is_refused(self) -> None:
        with pytest.raises(ValueError, match="npartitions must be at least 1, got 0"):
            score_frames_dask(FRAMES, AS_OF, npartitions=0)


class TestBorrowerPartitions:
    def test_all_rows_of_a_borrower_share_one_partition(self) -> None:
        parts = borrower_partitions(FRAMES, 6)
        seen: dict[str, int] = {}
        for name, buckets in parts.items():
            frame = getattr(FRAMES, name)
            assert len(buckets) == len(frame) and ((buckets >= 0) & (buckets < 6)).all()
            for borrower, bucket in zip(frame["borrower_id"], buckets, strict=True):
                assert seen.setdefault(str(borrower), int(bucket)) == bucket
        assert len(np.unique(list(seen.values()))) > 1


def vars_of(frames: Frames) -> dict[str, pd.DataFrame]:
    return {name: getattr(frames, name) for name in Frames.SCHEMAS}
