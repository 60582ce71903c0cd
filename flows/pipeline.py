"""Prefect flows: thin wrappers that chain the stages, add retries, logging and schedules."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec

from oversight.flows.env import prepare_environment

prepare_environment()

from prefect import flow, task  # noqa: E402 - the environment above must come first

from oversight.flows.bus import Bus, open_bus  # noqa: E402
from oversight.flows.outcomes import RUN_STAGES, Outcomes  # noqa: E402
from oversight.schemas.settings import Settings, load_settings  # noqa: E402

P = ParamSpec("P")


def _prefect_log() -> logging.Logger:
    """A logger whose records go to the flow run's log in Prefect (UI, API) whatever PREFECT_LOGGING_LEVEL
    says, and not to the terminal, where the CLI prints the same line itself."""
    from prefect.logging.handlers import APILogHandler

    logger = logging.getLogger("oversight.flow_runs")
    if not logger.handlers:
        logger.addHandler(APILogHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def report_run(flow_name: str, outcomes: Outcomes, seconds: float) -> str:
    """Log a flow run's one-line summary and publish its counts as a table artifact; return the line."""
    from prefect.artifacts import create_table_artifact

    line = f"oversight {flow_name}: {outcomes.summary(RUN_STAGES)} ({seconds:.1f} s)"
    _prefect_log().info(line)
    rows = [{"stage": key.split(".", 1)[0], "outcome": key.split(".", 1)[1], "count": n}
            for key, n in sorted(outcomes.items()) if not key.startswith("ms.")]
    rows += [{"stage": "run", "outcome": "dead_letters", "count": outcomes.dead_letters()},
             {"stage": "run", "outcome": "seconds", "count": round(seconds, 1)}]
    create_table_artifact(table=rows, key=f"{flow_name}-summary", description=line)
    return line


def reported(flow_name: str) -> Callable[[Callable[P, dict[str, int]]], Callable[P, dict[str, int]]]:
    """Wrap a flow body so that every run, scheduled or manual, ends with `report_run`."""
    def wrap(body: Callable[P, dict[str, int]]) -> Callable[P, dict[str, int]]:
        @wraps(body)
        def run(*args: P.args, **kwargs: P.kwargs) -> dict[str, int]:
            clock = time.monotonic()
            outcomes = body(*args, **kwargs)
            report_run(flow_name, Outcomes(outcomes), time.monotonic() - clock)
            return outcomes
        return run
    return wrap


@contextmanager
def _stage_bus() -> Iterator[tuple[Settings, Bus]]:
    """Settings read afresh and the bus open for one task run (tasks may run in other processes)."""
    settings = load_settings()
    bus = open_bus(settings)
    try:
        yield settings, bus
    finally:
        bus.close()


@task(name="poll-feeds", retries=2, retry_delay_seconds=10)
def poll_task(only: list[str] | None = None, force: bool = False) -> dict[str, int]:
    """Poll due feeds once; safe to retry (entries are keyed and landing is idempotent)."""
    from oversight.flows.poll import poll_stage

    with _stage_bus() as (settings, bus):
        return dict(poll_stage(settings, bus, only, force))


@task(name="stage", retries=2, retry_delay_seconds=5, task_run_name="{stage}")
def stage_task(stage: str, limit: int | None = None) -> dict[str, int]:
    """Drain one stage's input topic in batches; uncommitted batches are redelivered on retry."""
    from oversight.flows.stages import run_stage

    with _stage_bus() as (settings, bus):
        return dict(run_stage(settings, bus, stage, limit))


@flow(name="poll", log_prints=True)
@reported("poll")
def poll_feeds(only: list[str] | None = None, force: bool = False) -> dict[str, int]:
    """Poll the registered feeds that are due and queue their new entries."""
    return poll_task(only, force)


@task(name="prune-bus")
def prune_task() -> dict[str, int]:
    """Drop embedded-log messages every group has committed, once older than OVERSIGHT_BUS_RETENTION_DAYS.

    Kafka keeps its own retention (the topic's retention.ms), so there is nothing to do there.
    """
    with _stage_bus() as (settings, bus):
        pruned = bus.prune(settings.bus_retention_days * 86400)
        return {"bus.pruned": pruned} if pruned else {}


@task(name="requeue-deferred", retries=2, retry_delay_seconds=5)
def requeue_task() -> dict[str, int]:
    """Send pages a host put off (Crawl-delay, 429) back to the entries once they have waited long enough."""
    from oversight.flows.replay import requeue_deferred

    with _stage_bus() as (settings, bus):
        requeued = requeue_deferred(settings, bus)
    return {"entries.requeued": requeued} if requeued else {}


def _process_stages(outcomes: Outcomes, limit: int | None) -> dict[str, int]:
    outcomes.merge(Outcomes(requeue_task()))
    from oversight.flows.stages import STAGES

    for stage in STAGES:
        outcomes.merge(Outcomes(stage_task(stage, limit)))
    outcomes.merge(Outcomes(prune_task()))
    return dict(outcomes)


@flow(name="process", log_prints=True)
@reported("process")
def process(limit: int | None = None) -> dict[str, int]:
    """Extract, tag and land whatever is waiting on the bus, at most `limit` messages per stage."""
    return _process_stages(Outcomes(), limit)


@flow(name="pipeline", log_prints=True)
@reported("pipeline")
def pipeline(only: list[str] | None = None, force: bool = False, limit: int | None = None) -> dict[str, int]:
    """Poll, then process: one full pass from feeds to the warehouse."""
    return _process_stages(Outcomes(poll_task(only, force)), limit)


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(week: str | None = None, out: str = "digests") -> list[str]:
    """Write the weekly digest (Markdown, HTML, CSV) of an ISO week (default the last complete one) as an artifact too."""
    from pathlib import Path

    from prefect.artifacts import create_markdown_artifact

    from oversight.warehouse.snapshots import write_cited_digest

    settings = load_settings()
    clock = time.monotonic()
    # One snapshot of the lake for the whole digest, cited so that maintenance keeps it.
    paths, _ = write_cited_digest(settings.lake, week, Path(out), web_url=settings.web_url)
    iso_week = paths[0].stem.removeprefix("digest-")
    create_markdown_artifact(markdown=paths[0].read_text(encoding="utf-8"), key="weekly-digest",
                             description=f"oversight weekly digest {iso_week}")
    _prefect_log().info(f"oversight weekly-digest {iso_week}: wrote {', '.join(str(p) for p in paths)} "
                        f"({time.monotonic() - clock:.1f} s)")
    return [str(p) for p in paths]


@flow(name="maintain-warehouse", log_prints=True)
def maintain_warehouse(keep_days: float | None = None) -> dict[str, int]:
    """Merge the lake's small files, expire snapshots older than `keep_days` (default
    OVERSIGHT_SNAPSHOT_KEEP_DAYS; never one a digest cites) and delete unreferenced files. Safe while landing
    and reading go on, and safe to kill: the next run picks up."""
    from datetime import timedelta

    from oversight.warehouse.maintenance import maintain

    settings = load_settings()
    clock = time.monotonic()
    report = maintain(settings.lake, settings.snapshot_keep_days if keep_days is None else keep_days,
                      timedelta(minutes=settings.maintenance_grace_minutes))
    _prefect_log().info(f"oversight maintain-warehouse: {report.summary()} ({time.monotonic() - clock:.1f} s)")
    return {"files_before": sum(report.files_before.values()), "files_after": sum(report.files_after.values()),
            "merged": report.merged_files, "expired": report.expired_snapshots,
            "deleted": report.deleted_files + report.orphans_deleted}
