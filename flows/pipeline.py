"""Prefect flows: thin wrappers that chain the stages, add retries, logging and schedules.

Importing this module changes nothing: whoever starts the process sets its environment first (the CLI's
callback, `oversight serve` for the flow runs it starts, prefect.yaml's `env` for a worker's flow runs, the
tests' conftest), see flows/env.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec

from prefect import flow, task
from prefect.cache_policies import NONE

from oversight.flows.bus import Bus, open_bus
from oversight.flows.outcomes import RUN_STAGES, Outcomes
from oversight.schemas.settings import Settings, load_settings

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


def flow_settings(overrides: dict[str, Any] | None) -> Settings:
    """A flow run's settings, built once at its start: the environment's OVERSIGHT_* values, then the run's
    `overrides` (field names of schemas.settings.Settings, e.g. {"max_per_run": 100}); handed to every task."""
    return load_settings(**(overrides or {}))


@contextmanager
def _stage_bus(settings: Settings) -> Iterator[Bus]:
    """The bus open for one task run."""
    bus = open_bus(settings)
    try:
        yield bus
    finally:
        bus.close()


# Tasks take the run's Settings as a value: no cache key is computed from it (nothing here is cached).
@task(name="poll-feeds", retries=2, retry_delay_seconds=10, cache_policy=NONE)
def poll_task(settings: Settings, only: list[str] | None = None, force: bool = False) -> dict[str, int]:
    """Poll due feeds once; safe to retry (entries are keyed and landing is idempotent)."""
    from oversight.flows.poll import poll_stage

    with _stage_bus(settings) as bus:
        return dict(poll_stage(settings, bus, only, force))


@task(name="stage", retries=2, retry_delay_seconds=5, task_run_name="{stage}", cache_policy=NONE)
def stage_task(settings: Settings, stage: str, limit: int | None = None) -> dict[str, int]:
    """Drain one stage's input topic in batches; uncommitted batches are redelivered on retry."""
    from oversight.flows.stages import run_stage

    with _stage_bus(settings) as bus:
        return dict(run_stage(settings, bus, stage, limit))


@flow(name="poll", log_prints=True)
@reported("poll")
def poll_feeds(only: list[str] | None = None, force: bool = False,
               overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Poll the registered feeds that are due and queue their new entries."""
    return poll_task(flow_settings(overrides), only, force)


@task(name="prune-bus", cache_policy=NONE)
def prune_task(settings: Settings) -> dict[str, int]:
    """Drop embedded-log messages every group has committed, once older than OVERSIGHT_BUS_RETENTION_DAYS.

    Kafka keeps its own retention (the topic's retention.ms), so there is nothing to do there.
    """
    with _stage_bus(settings) as bus:
        pruned = bus.prune(settings.bus_retention_days * 86400)
        return {"bus.pruned": pruned} if pruned else {}


@task(name="requeue-deferred", retries=2, retry_delay_seconds=5, cache_policy=NONE)
def requeue_task(settings: Settings) -> dict[str, int]:
    """Send pages a host put off (Crawl-delay, 429) back to the entries once they have waited long enough."""
    from oversight.flows.replay import requeue_deferred

    with _stage_bus(settings) as bus:
        requeued = requeue_deferred(settings, bus)
    return {"entries.requeued": requeued} if requeued else {}


def _process_stages(settings: Settings, outcomes: Outcomes, limit: int | None) -> dict[str, int]:
    from oversight.flows.cpu import run_pool
    from oversight.flows.stages import STAGES

    # The run's CPU pool: the CLI command's when it started this flow, else the flow run's own.
    with run_pool(settings.cpu_workers, warm_tagger=True):
        outcomes.merge(Outcomes(requeue_task(settings)))
        for stage in STAGES:
            outcomes.merge(Outcomes(stage_task(settings, stage, limit)))
        outcomes.merge(Outcomes(prune_task(settings)))
    return dict(outcomes)


@flow(name="process", log_prints=True)
@reported("process")
def process(limit: int | None = None, overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Extract, tag and land whatever is waiting on the bus, at most `limit` messages per stage."""
    return _process_stages(flow_settings(overrides), Outcomes(), limit)


@flow(name="pipeline", log_prints=True)
@reported("pipeline")
def pipeline(only: list[str] | None = None, force: bool = False, limit: int | None = None,
             overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Poll, then process: one full pass from feeds to the warehouse."""
    settings = flow_settings(overrides)
    return _process_stages(settings, Outcomes(poll_task(settings, only, force)), limit)


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(week: str | None = None, out: str = "digests", overrides: dict[str, Any] | None = None) -> list[str]:
    """Write the weekly digest (Markdown, HTML, CSV) of an ISO week (default the last complete one) as an artifact too."""
    from pathlib import Path

    from prefect.artifacts import create_markdown_artifact

    from oversight.warehouse.snapshots import write_cited_digest

    settings = flow_settings(overrides)
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
def maintain_warehouse(keep_days: float | None = None, overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """Merge the lake's small files, expire snapshots older than `keep_days` (default
    OVERSIGHT_SNAPSHOT_KEEP_DAYS; never one a digest cites) and delete unreferenced files. Safe while landing
    and reading go on, and safe to kill: the next run picks up."""
    from datetime import timedelta

    from oversight.warehouse.maintenance import maintain

    settings = flow_settings(overrides)
    clock = time.monotonic()
    report = maintain(settings.lake, settings.snapshot_keep_days if keep_days is None else keep_days,
                      timedelta(minutes=settings.maintenance_grace_minutes))
    _prefect_log().info(f"oversight maintain-warehouse: {report.summary()} ({time.monotonic() - clock:.1f} s)")
    return {"files_before": sum(report.files_before.values()), "files_after": sum(report.files_after.values()),
            "merged": report.merged_files, "expired": report.expired_snapshots,
            "deleted": report.deleted_files + report.orphans_deleted}
