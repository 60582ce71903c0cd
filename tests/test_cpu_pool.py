"""The CPU pool: chunks in input order across workers, and workers warmed before the first batch."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from flows import cpu


def _pid_and_warmth(items: list[int]) -> list[tuple[int, int, bool]]:
    from extractors.tagger import load_tagger

    time.sleep(0.2)  # long enough that the other worker takes the next chunk
    return [(i, os.getpid(), load_tagger.cache_info().currsize > 0) for i in items]


def _drop_pool() -> None:
    if cpu._POOL is not None:
        cpu._POOL.shutdown(cancel_futures=True)
        cpu._POOL = None


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    """No pool left by an earlier test (there is one per process), and none left behind."""
    _drop_pool()
    yield
    _drop_pool()


def test_pipeline_workers_start_warm_and_chunks_come_back_in_input_order(fresh_pool: None) -> None:
    cpu.start_in_background(2)
    deadline = time.monotonic() + 120
    while cpu._POOL is None and time.monotonic() < deadline:
        time.sleep(0.05)
    results = cpu.map_chunks(_pid_and_warmth, list(range(16)), 2)
    assert [i for i, _, _ in results] == list(range(16))
    assert len({pid for _, pid, _ in results}) == 2  # both cores worked
    assert all(warm for _, _, warm in results)  # the tagger was loaded by each worker's initializer
