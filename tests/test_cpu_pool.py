"""The CPU pool: chunks in input order across workers, and workers warmed before the first batch."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from functools import partial

import pytest

from oversight.flows import cpu


def _meet_then_report(barrier: threading.Barrier, items: list[int]) -> list[tuple[int, int, bool]]:
    """Waits at a two-party barrier: no chunk passes until another worker holds a chunk too."""
    from oversight.extractors.tagger import load_tagger

    barrier.wait()
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
    with multiprocessing.Manager() as manager:
        meet = partial(_meet_then_report, manager.Barrier(2, timeout=120))  # an even number of chunks pairs up
        results = cpu.map_chunks(meet, list(range(16)), 2)
    assert [i for i, _, _ in results] == list(range(16))
    assert len({pid for _, pid, _ in results}) == 2  # chunks can only pass the barrier two workers at a time
    assert all(warm for _, _, warm in results)  # the tagger was loaded by each worker's initializer


def _poisoned(items: list[int]) -> list[int]:
    """Doubles items; item 13 kills its worker (as a segfault in a C extension would)."""
    if 13 in items:
        os._exit(1)
    return [i * 2 for i in items]


def _stuck_in_c(items: list[int]) -> list[int]:
    """Item 7 blocks like C code that never checks for signals: SIGALRM is masked, so only the parent's
    deadline can end it."""
    import signal

    for i in items:
        if i == 7:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(600)
    return [i * 2 for i in items]


def _lost(item: int, reason: str, why: str) -> int:
    return -1 if reason == "worker_died" else -2


def test_a_dead_worker_is_replaced_and_only_its_item_is_lost(fresh_pool: None) -> None:
    results = cpu.submit_chunks(_poisoned, list(range(20)), 2, budget=30.0, on_fail=_lost).result()
    assert results == [-1 if i == 13 else i * 2 for i in range(20)]
    assert cpu.map_chunks(_poisoned, [1, 2, 3, 4], 2) == [2, 4, 6, 8]  # the replacement pool works


def test_a_worker_stuck_past_the_budget_is_replaced_and_its_item_times_out(
    fresh_pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cpu, "POOL_START_S", 6.0)  # three deadlines pass here (chunk, its retry, the item)
    results = cpu.submit_chunks(_stuck_in_c, list(range(8)), 2, budget=0.5, on_fail=_lost).result()
    assert results == [-2 if i == 7 else i * 2 for i in range(8)]
    assert cpu.map_chunks(_stuck_in_c, [1, 2, 3, 4], 2) == [2, 4, 6, 8]


def test_a_time_budget_interrupts_python_and_regular_expressions() -> None:
    import re

    with pytest.raises(cpu.ItemTimeout), cpu.time_budget(0.2):
        re.search(r"(a+)+b", "a" * 64)  # exponential backtracking: never ends on its own
    with cpu.time_budget(5.0):
        assert re.search(r"a+b", "a" * 64 + "b")  # a budget that is not used up changes nothing
