"""Prefect flows: thin wrappers that chain the stages, add retries, logging and schedules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flows.env import prepare_environment

prepare_environment()

from prefect import flow, task  # noqa: E402 - the environment above must come first

from flows.bus import Bus, open_bus  # noqa: E402
from flows.outcomes import Outcomes  # noqa: E402
from schemas.settings import Settings, load_settings  # noqa: E402

PROCESS_STAGES = ("extract", "tag", "land", "dead-letters")


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
    from flows.poll import poll_stage

    with _stage_bus() as (settings, bus):
        return dict(poll_stage(settings, bus, only, force))


@task(name="stage", retries=2, retry_delay_seconds=5, task_run_name="{stage}")
def stage_task(stage: str, limit: int | None = None) -> dict[str, int]:
    """Drain one stage's input topic in batches; uncommitted batches are redelivered on retry."""
    from flows.stages import run_stage

    with _stage_bus() as (settings, bus):
        return dict(run_stage(settings, bus, stage, limit))


@flow(name="poll", log_prints=True)
def poll_feeds(only: list[str] | None = None, force: bool = False) -> dict[str, int]:
    """Poll the registered feeds that are due and queue their new entries."""
    return poll_task(only, force)


@task(name="prune-bus")
def prune_task() -> dict[str, int]:
    """Drop embedded-log messages every group has committed, once older than OVERSIGHT_BUS_RETENTION_DAYS.

    Kafka keeps its own retention (the topic's retention.ms), so there is nothing to do there.
    """
    with _stage_bus() as (settings, bus):
        prune = getattr(bus, "prune", None)
        pruned = prune(settings.bus_retention_days * 86400) if prune else 0
        return {"bus.pruned": pruned} if pruned else {}


def _process_stages(outcomes: Outcomes, limit: int | None) -> dict[str, int]:
    for stage in PROCESS_STAGES:
        outcomes.merge(Outcomes(stage_task(stage, limit)))
    outcomes.merge(Outcomes(prune_task()))
    return dict(outcomes)


@flow(name="process", log_prints=True)
def process(limit: int | None = None) -> dict[str, int]:
    """Extract, tag and land whatever is waiting on the bus, at most `limit` messages per stage."""
    return _process_stages(Outcomes(), limit)


@flow(name="pipeline", log_prints=True)
def pipeline(only: list[str] | None = None, force: bool = False, limit: int | None = None) -> dict[str, int]:
    """Poll, then process: one full pass from feeds to the warehouse."""
    return _process_stages(Outcomes(poll_task(only, force)), limit)


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(week: str | None = None, out: str = "digests") -> list[str]:
    """Write the weekly digest (Markdown, HTML, CSV) of an ISO week (default the last complete one) as an artifact too."""
    from pathlib import Path

    from prefect.artifacts import create_markdown_artifact

    from warehouse import db
    from warehouse.digest import write_digest

    settings = load_settings()
    with db.reader(settings.warehouse_path) as con:
        paths = write_digest(con, week, Path(out))
    create_markdown_artifact(markdown=paths[0].read_text(encoding="utf-8"), key="weekly-digest",
                             description=f"oversight weekly digest {paths[0].stem.removeprefix('digest-')}")
    return [str(p) for p in paths]
