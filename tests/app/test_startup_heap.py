"""A started process freezes what its startup built out of the collector's rounds, once."""

from __future__ import annotations

import gc

from app.runtime import freeze_startup_heap
from tests.harness import Harness


async def test_the_service_startup_freezes_the_heap_once_per_process(harness: Harness) -> None:
    frozen = gc.get_freeze_count()
    assert frozen > 0  # this app's startup, or an earlier one in this process
    built_later = [[index] for index in range(1000)]
    freeze_startup_heap()  # as another app's startup, or a command's, in this process would
    assert gc.get_freeze_count() == frozen
    assert len(built_later) == 1000
