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


@pytest.fixture
def pool() -> Iterator[cpu.CpuPool]:
    """A pool of two workers owned by the test: the chunks submitted inside go to it; stopped at the end."""
    with cpu.CpuPool(2) as owned:
        yield owned


def test_pipeline_workers_start_warm_and_chunks_come_back_in_input_order() -> None:
    with cpu.CpuPool(2, warm_tagger=True) as pool, multiprocessing.Manager() as manager:
        pool.start_in_background()
        meet = partial(_meet_then_report, manager.Barrier(2, timeout=120))  # an even number of chunks pairs up
        results = cpu.map_chunks(meet, list(range(16)))
    assert [i for i, _, _ in results] == list(range(16))
    assert len({pid for _, pid, _ in results}) == 2  # chunks can only pass the barrier two workers at a time
    assert all(warm for _, _, warm in results)  # the tagger was loaded by each worker's initializer


def test_the_pool_belongs_to_its_block() -> None:
    assert cpu.current_pool() is None
    with cpu.CpuPool(2) as pool:
        assert cpu.current_pool() is pool
        with cpu.run_pool(2) as inner:
            assert inner is pool  # a flow run inside a CLI command uses the command's pool
        executor = pool.executor()
        assert cpu.map_chunks(_double, list(range(8))) == [i * 2 for i in range(8)]
    assert cpu.current_pool() is None
    with pytest.raises(RuntimeError):  # its workers were stopped with the block
        executor.submit(int)
    with cpu.run_pool(1) as none:  # one worker: everything runs in this process
        assert none is None and cpu.map_chunks(_double, list(range(8))) == [i * 2 for i in range(8)]


def _double(items: list[int]) -> list[int]:
    return [i * 2 for i in items]


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


def test_a_dead_worker_is_replaced_and_only_its_item_is_lost(pool: cpu.CpuPool) -> None:
    results = cpu.submit_chunks(_poisoned, list(range(20)), budget=30.0, on_fail=_lost).result()
    assert results == [-1 if i == 13 else i * 2 for i in range(20)]
    assert cpu.map_chunks(_poisoned, [1, 2, 3, 4]) == [2, 4, 6, 8]  # the replacement workers work


def test_a_worker_stuck_past_the_budget_is_replaced_and_its_item_times_out(
    pool: cpu.CpuPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cpu, "POOL_START_S", 6.0)  # three deadlines pass here (chunk, its retry, the item)
    results = cpu.submit_chunks(_stuck_in_c, list(range(8)), budget=0.5, on_fail=_lost).result()
    assert results == [-2 if i == 7 else i * 2 for i in range(8)]
    assert cpu.map_chunks(_stuck_in_c, [1, 2, 3, 4]) == [2, 4, 6, 8]


def test_a_time_budget_interrupts_python_and_regular_expressions() -> None:
    import re

    with pytest.raises(cpu.ItemTimeout), cpu.time_budget(0.2):
        re.search(r"(a+)+b", "a" * 64)  # exponential backtracking: never ends on its own
    with cpu.time_budget(5.0):
        assert re.search(r"a+b", "a" * 64 + "b")  # a budget that is not used up changes nothing
