"""One process pool per process for the CPU-bound stages (extract, tag), sized by OVERSIGHT_WORKERS."""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()
# Below this many items a pool round trip (pickling, a worker's first model load) costs more than it saves.
MIN_PARALLEL_ITEMS = 4
CHUNKS_PER_WORKER = 4
OWNER_CHECK_S = 1.0
# Imported once in the fork server, so each worker starts with them instead of importing them itself.
PRELOAD = ["flows.extract", "extractors.tagger"]


def pool(workers: int, warm_tagger: bool = False) -> ProcessPoolExecutor:
    """The shared pool; workers keep what they load (the tagger, extractors) between batches.

    `warm_tagger` (for the pipeline, which tags what it extracts) loads the tagger in each new worker too.
    """
    global _POOL
    with _LOCK:
        if _POOL is None:
            # forkserver: Prefect and httpx run threads in this process, and fork() with threads can deadlock.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _POOL = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                        initargs=(os.getpid(), warm_tagger))
            atexit.register(_POOL.shutdown, cancel_futures=True)
        return _POOL


_WARM_PAGE = ("<html><head><title>Warm-up</title></head><body><article><p>"
              + "The county council met on Tuesday to discuss the budget for the coming year. " * 12
              + "</p></article></body></html>")


def _start_worker(owner: int, tagger: bool) -> None:
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()
    _warm_up(tagger)


def _exit_with(owner: int) -> None:
    """A worker ends when the process that made the pool is gone: after a SIGKILL nobody shuts the pool down,
    and a worker blocks on its call queue for ever (its fork server then exits with it)."""
    while True:
        time.sleep(OWNER_CHECK_S)
        try:
            os.kill(owner, 0)
        except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user's process
            os._exit(0)


def _warm_up(tagger: bool) -> None:
    """In each new worker: extract (and tag) one small page, so its lazy set-up (language and date parsers;
    the tagger's model and gazetteers: ~1.5 s) is done before real work, while the CLI waits for Prefect."""
    try:
        from extractors.article import extract_page
        from extractors.tagger import load_tagger
        from schemas.records import Article

        page = extract_page(_WARM_PAGE, "http://localhost/warm-up")
        if tagger:
            text = page.text + " The police department said it would keep using facial recognition from Clearview AI."
            load_tagger().tag_articles([Article(article_id="warm-up", url="http://localhost/warm-up",
                                                title=page.title, text=text, language="en")])
    except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs time; the first real batch raises it
        logging.getLogger("oversight.cpu").warning("a CPU worker's warm-up failed: %r", exc)


def start_in_background(workers: int) -> None:
    """Start the fork server and the pipeline's workers now (in a thread), so their start, tagger included,
    overlaps other start-up work."""
    if workers > 1:
        # The pool starts a worker per submitted call while none is idle: one no-op per worker starts them all.
        threading.Thread(target=lambda: [pool(workers, warm_tagger=True).submit(int) for _ in range(workers)],
                         name="cpu-pool-start", daemon=True).start()


class Pending(Generic[R]):
    """Results of chunks submitted to the pool (or of an in-process call made on demand), in input order."""

    def __init__(self, futures: list[Future[list[R]]] | None = None,
                 compute: Callable[[], list[R]] | None = None) -> None:
        self._futures, self._compute = futures or [], compute

    def result(self) -> list[R]:
        if self._compute is not None:
            return self._compute()
        return [r for future in self._futures for r in future.result()]


def submit_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], workers: int) -> Pending[R]:
    """Queue `fn` over chunks of `items` on the pool and return at once, so the caller can work meanwhile."""
    if workers <= 1 or len(items) < MIN_PARALLEL_ITEMS:
        batch = list(items)
        return Pending(compute=lambda: fn(batch))
    # Several chunks per worker: page and article costs vary a lot, and equal halves leave a core idle.
    size = max(MIN_PARALLEL_ITEMS // 2, -(-len(items) // (workers * CHUNKS_PER_WORKER)))
    executor = pool(workers)
    return Pending([executor.submit(fn, list(items[i:i + size])) for i in range(0, len(items), size)])


def map_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], workers: int) -> list[R]:
    """`fn` over `items` split into chunks spread over the workers, results in input order."""
    return submit_chunks(fn, items, workers).result()
