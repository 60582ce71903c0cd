"""The CPU pool of a run's CPU-bound stages (extract, tag), sized by OVERSIGHT_WORKERS, owned by what starts the
run: the CLI command, a Prefect flow run or `oversight worker` opens `with CpuPool(n):` (or `run_pool`), and the
stages inside the block submit their chunks to it through `submit_chunks`/`map_chunks`."""

from __future__ import annotations

import contextvars
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("oversight.cpu")

# Below this many items a pool round trip (pickling, a worker's first model load) costs more than it saves.
MIN_PARALLEL_ITEMS = 4
CHUNKS_PER_WORKER = 4
# Allowance for starting and warming a (replacement) worker before it takes a chunk (~1-3 s measured).
POOL_START_S = 15.0
OWNER_CHECK_S = 1.0
# Imported once in the fork server, so each worker starts with them instead of importing them itself.
PRELOAD = ["oversight.flows.extract", "oversight.extractors.tagger"]


class CpuPool:
    """`workers` processes that keep what they load (the extractors; the tagger, with `warm_tagger`) between
    batches. Inside `with pool:` it is the pool of the code running there (and of threads that copy the
    context, as the extract stage's fetching does); at the end of the block its workers stop."""

    def __init__(self, workers: int, warm_tagger: bool = False) -> None:
        self.workers = workers
        self._warm_tagger = warm_tagger
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._tokens: list[contextvars.Token[CpuPool | None]] = []

    def executor(self) -> ProcessPoolExecutor:
        """The workers, started on first use (and again after `replace`)."""
        with self._lock:
            if self._executor is None:
                # forkserver: Prefect and httpx run threads in this process, and fork() with threads can deadlock.
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                                     initargs=(os.getpid(), self._warm_tagger))
            return self._executor

    def start_in_background(self) -> None:
        """Start the fork server and the workers now (in a thread), so their start, tagger included, overlaps
        other start-up work."""
        # The pool starts a worker per submitted call while none is idle: one no-op per worker starts them all.
        threading.Thread(target=lambda: [self.executor().submit(int) for _ in range(self.workers)],
                         name="cpu-pool-start", daemon=True).start()

    def replace(self, executor: ProcessPoolExecutor) -> None:
        """Kill a broken or stuck executor's workers; the next `executor()` starts fresh ones, as warm."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        # ProcessPoolExecutor cannot stop one stuck call; its processes are the only handle on it.
        for process in list((executor._processes or {}).values()):
            if process.is_alive():
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (a chunk still queued is cancelled)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> CpuPool:
        self._tokens.append(_CURRENT.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self._tokens.pop())
        self.close()


_CURRENT: contextvars.ContextVar[CpuPool | None] = contextvars.ContextVar("oversight_cpu_pool", default=None)


def current_pool() -> CpuPool | None:
    """The pool of the run this code is part of, if it has one."""
    return _CURRENT.get()


@contextmanager
def run_pool(workers: int, warm_tagger: bool = False) -> Iterator[CpuPool | None]:
    """The pool for a run: the one already in use (a CLI command's, started early), else one of its own for
    the block; none for a single worker (everything runs in this process)."""
    current = _CURRENT.get()
    if current is not None or workers <= 1:
        yield current
        return
    with CpuPool(workers, warm_tagger) as pool:
        yield pool


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
        from oversight.extractors.article import extract_page
        from oversight.extractors.tagger import load_tagger
        from oversight.schemas.records import Article

        page = extract_page(_WARM_PAGE, "http://localhost/warm-up")
        if tagger:
            text = page.text + " The police department said it would keep using facial recognition from Clearview AI."
            load_tagger().tag_articles([Article(article_id="warm-up", url="http://localhost/warm-up",
                                                title=page.title, text=text, language="en")])
    except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs time; the first real batch raises it
        logging.getLogger("oversight.cpu").warning("a CPU worker's warm-up failed: %r", exc)


class ItemTimeout(Exception):
    """One item (a page, an article) ran past its time budget (OVERSIGHT_ITEM_TIME_BUDGET)."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ItemTimeout inside the block once `seconds` have passed.

    SIGALRM, so only on the main thread (a pool worker's, or a one-process run's); Python code and regular
    expressions are interrupted, C code that never checks for signals is not: for that the parent's
    deadline on the chunk (`Pending.result`) replaces the stuck worker. Elsewhere the block runs unbounded.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise ItemTimeout(f"over its time budget of {seconds:g} s (OVERSIGHT_ITEM_TIME_BUDGET)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# What the parent makes of an item whose worker died or never answered: (item, "timeout" | "worker_died", why).
OnFail = Callable[[T, str, str], R]


class Pending(Generic[T, R]):
    """Results of chunks submitted to a pool (or of an in-process call made on demand), in input order.

    A chunk whose worker died, or that is not back within its budget (the worker is stuck), is retried once
    on fresh workers, then item by item; an item that still fails becomes `on_fail(item, reason, message)`.
    """

    def __init__(self, fn: Callable[[list[T]], list[R]], chunks: list[list[T]], pool: CpuPool | None,
                 budget: float = 0.0, on_fail: OnFail[T, R] | None = None) -> None:
        self._fn, self._pool, self._budget, self._on_fail = fn, pool, budget, on_fail
        self._chunks = chunks
        self._submitted = [self._submit(chunk) for chunk in chunks] if pool is not None else []

    def result(self) -> list[R]:
        if not self._submitted:
            return [r for chunk in self._chunks for r in self._fn(chunk)]
        return [r for chunk, sub in zip(self._chunks, self._submitted, strict=True)
                for r in self._collect(chunk, sub, retried=False)]

    def _submit(self, chunk: list[T]) -> tuple[ProcessPoolExecutor, Future[list[R]]]:
        assert self._pool is not None  # only chunks of a pool's run are submitted
        executor = self._pool.executor()
        return executor, executor.submit(self._fn, chunk)

    def _collect(self, chunk: list[T], submitted: tuple[ProcessPoolExecutor, Future[list[R]]],
                 retried: bool) -> list[R]:
        executor, future = submitted
        assert self._pool is not None
        # Every item gets its budget, plus one for the chunks the workers finish first, plus a (new) worker's start.
        deadline = self._budget * (len(chunk) + self._pool.workers) + POOL_START_S if self._budget > 0 else None
        try:
            return future.result(timeout=deadline)
        except CancelledError:  # queued on workers replaced for another chunk's sake: not this chunk's fault
            return self._collect(chunk, self._submit(chunk), retried)
        except (BrokenProcessPool, FutureTimeout) as exc:
            reason = "timeout" if isinstance(exc, FutureTimeout) else "worker_died"
            why = (f"no answer from the CPU worker within {deadline:g} s; it was replaced"
                   if reason == "timeout" else f"the CPU worker died ({exc or 'killed'}); it was replaced")
            log.error("a chunk of %d item(s) failed: %s", len(chunk), why)
            self._pool.replace(executor)
        if not retried:
            return self._collect(chunk, self._submit(chunk), retried=True)
        if len(chunk) > 1:  # one at a time: an item that kills its worker then takes no other item with it
            return [r for item in chunk for r in self._collect([item], self._submit([item]), retried=True)]
        if self._on_fail is None:
            raise RuntimeError(why)
        return [self._on_fail(chunk[0], reason, why)]


def submit_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], budget: float = 0.0,
                  on_fail: OnFail[T, R] | None = None) -> Pending[T, R]:
    """Queue `fn` over chunks of `items` on the run's pool and return at once, so the caller can work meanwhile;
    without a pool (a one-worker run), or for a handful of items, `fn` runs here when the result is asked for.

    `budget` is the seconds one item may take in a worker before its chunk counts as stuck (0: unbounded).
    """
    pool = _CURRENT.get()
    if pool is None or pool.workers <= 1 or len(items) < MIN_PARALLEL_ITEMS:
        return Pending(fn, [list(items)], None, budget, on_fail)
    # Several chunks per worker: page and article costs vary a lot, and equal halves leave a core idle.
    size = max(MIN_PARALLEL_ITEMS // 2, -(-len(items) // (pool.workers * CHUNKS_PER_WORKER)))
    return Pending(fn, [list(items[i:i + size]) for i in range(0, len(items), size)], pool, budget, on_fail)


def map_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
    """`fn` over `items` split into chunks spread over the run's pool, results in input order."""
    return submit_chunks(fn, items).result()
