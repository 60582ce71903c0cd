"""Long-running stage workers: consume a stage's topic batch by batch until told to stop.

A worker is one member of its stage's consumer group, so starting more workers spreads the topic's
partitions over them (Kafka). SIGTERM or Ctrl-C lets the batch in hand finish and commit; a second
signal stops at once, and the uncommitted batch is redelivered to the next worker.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from oversight.flows.bus import Bus, Consumer, Message, open_bus
from oversight.flows.cpu import run_pool
from oversight.flows.land import refresh_search
from oversight.flows.outcomes import Outcomes
from oversight.flows.stages import TRANSIENT, WORKERS, Stage, process_batch
from oversight.schemas.settings import Settings

log = logging.getLogger("oversight.worker")

POLL_TIMEOUT_S = 1.0
# Transient failures (broker, the lake's catalog out of reach, a full disk) are retried this many times in a
# row, with backoff.
MAX_TRANSIENT_FAILURES = 6


@dataclass
class StopFlag:
    """Set by SIGTERM/SIGINT; the worker checks it between batches."""

    stopped: bool = False
    signals: list[int] = field(default_factory=list)

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True
        self.signals.append(signum)
        log.info("%s received: finishing the batch in hand, then stopping", signal.Signals(signum).name)
        signal.signal(signum, signal.SIG_DFL)  # a second one stops at once


def run_worker(settings: Settings, stage: str, stop: StopFlag, max_idle_s: float | None = None) -> Outcomes:
    """Consume the stage's input (and, for land, the dead letters) until stopped; return the outcome counts."""
    bus = open_bus(settings)
    stages = WORKERS[stage]
    consumers = _open(bus, stages)
    outcomes, failures, indexed = Outcomes(), 0, 0
    idle_since: float | None = None  # set after the first poll, which includes the group join
    run = ExitStack()  # what the worker keeps for its whole life: its CPU pool, the extract stage's fetching
    try:
        run.enter_context(run_pool(settings.cpu_workers, warm_tagger=stage == "tag"))
        prepares = {s.name: s.preparer(settings, run) for s in stages}
        while not stop.stopped:
            try:
                handled = sum(_one_batch(settings, bus, s, consumers[s.name], outcomes, i == 0, prepares[s.name])
                              for i, s in enumerate(stages) if not stop.stopped)
                failures = 0
            except TRANSIENT as exc:
                failures += 1
                if failures >= MAX_TRANSIENT_FAILURES:
                    raise
                consumers = _reopen(bus, stages, consumers, failures, exc)
                continue
            if not handled and stage == "land" and outcomes.stage("land").get("articles", 0) > indexed:
                indexed = outcomes.stage("land")["articles"]
                outcomes.merge(refresh_search(settings))  # when the queue runs dry, not per batch
            idle_since = time.monotonic() if handled or idle_since is None else idle_since
            if max_idle_s is not None and time.monotonic() - idle_since > max_idle_s:
                log.info("%s: idle for %.0f s, stopping", stage, max_idle_s)
                break
    finally:
        for consumer in consumers.values():
            consumer.close()
        bus.close()
        run.close()
    return outcomes


def _one_batch(settings: Settings, bus: Bus, stage: Stage[Any], consumer: Consumer, outcomes: Outcomes,
               primary: bool, prepare: Callable[[list[Message]], Any]) -> int:
    batch = consumer.poll(stage.batch_size(settings), timeout=POLL_TIMEOUT_S if primary else 0.0)
    if not batch:
        return 0
    log.info("%s: batch of %d from %s to %s", stage.name, len(batch), batch[0].position, batch[-1].position)
    outcomes.merge(process_batch(settings, bus, stage.name, batch, prepare(batch)))
    consumer.commit(batch)  # only after the step made its output durable
    log.info("%s: %d message(s) done (%s)", stage.name, len(batch), outcomes.summary([stage.name]))
    return len(batch)


def _open(bus: Bus, stages: tuple[Stage[Any], ...]) -> dict[str, Consumer]:
    return {s.name: bus.consumer(s.group, s.topic) for s in stages}


def _reopen(bus: Bus, stages: tuple[Stage[Any], ...], consumers: dict[str, Consumer], failures: int,
            exc: Exception) -> dict[str, Consumer]:
    """Close the consumers (their uncommitted batches return to the group) and reopen after a backoff."""
    delay = min(2.0 ** (failures - 1), 30.0)
    log.warning("transient failure %d/%d: %s; retrying in %.0f s", failures, MAX_TRANSIENT_FAILURES, exc, delay)
    for consumer in consumers.values():
        consumer.close()
    time.sleep(delay)
    return _open(bus, stages)
