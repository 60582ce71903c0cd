"""One process pool per process for the CPU-bound stages (extract, tag), sized by OVERSIGHT_WORKERS."""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_POOL: ProcessPoolExecutor | None = None
# Below this many items a pool round trip (pickling, a worker's first model load) costs more than it saves.
MIN_PARALLEL_ITEMS = 4


def pool(workers: int) -> ProcessPoolExecutor:
    """The shared pool; workers keep what they load (the tagger, extractors) between batches."""
    global _POOL
    if _POOL is None:
        # forkserver: Prefect and httpx run threads in this process, and fork() with threads can deadlock.
        _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
        atexit.register(_POOL.shutdown, cancel_futures=True)
    return _POOL


def map_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], workers: int) -> list[R]:
    """`fn` over `items` split into one chunk per worker, results in input order."""
    if workers <= 1 or len(items) < MIN_PARALLEL_ITEMS:
        return fn(list(items))
    size = -(-len(items) // workers)
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    return [r for part in pool(workers).map(fn, chunks) for r in part]
