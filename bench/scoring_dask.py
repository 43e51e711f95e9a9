"""The batch benchmark's ``--dask`` figure: the same frames scored on a Dask LocalCluster.

Workers are processes (one thread each, as many as CPUs), since scoring holds the GIL in much of
its pandas work; starting the cluster is not timed, shipping the partitions to the workers is.
The result is checked equal to the pandas batch's. A figure, not a target.
"""

from __future__ import annotations

import os
import time

import pandas as pd

from scoring import Frames
from scoring.distributed import score_frames_dask

__all__ = ["dask_seconds"]


def dask_seconds(frames: Frames, as_of: pd.Timestamp, expected: pd.DataFrame) -> float:
    """Seconds :func:`scoring.distributed.score_frames_dask` takes on a fresh LocalCluster.

    Raises
    ------
    AssertionError
        If the Dask result differs from ``expected`` (the pandas batch's scores).
    """
    from dask.distributed import Client, LocalCluster

    workers = max(1, os.cpu_count() or 1)
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        started = time.perf_counter()
        result = score_frames_dask(frames, as_of, client=client)
        elapsed = time.perf_counter() - started
    pd.testing.assert_frame_equal(result, expected)
    return elapsed
