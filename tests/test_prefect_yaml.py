"""prefect.yaml smoke test: every entrypoint imports a flow, every schedule parses, `serve` builds from it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import Flow

from oversight.flows.cli import PREFECT_YAML
from oversight.flows.env import OFFLINE_DEFAULTS
from oversight.flows.serve import SERVE_TAG, deployment_specs, load_entrypoint, served_deployments

SPECS = deployment_specs(PREFECT_YAML)


def test_the_four_deployments_are_declared() -> None:
    assert {s["name"]: s["entrypoint"] for s in SPECS} == {
        "poll": "flows/pipeline.py:poll_feeds",
        "process": "flows/pipeline.py:process",
        "weekly-digest": "flows/pipeline.py:weekly_digest",
        "maintain-warehouse": "flows/pipeline.py:maintain_warehouse",
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["name"])
def test_entrypoint_imports_a_flow_that_takes_the_parameters(spec: dict) -> None:
    flow = load_entrypoint(spec["entrypoint"])
    assert isinstance(flow, Flow)
    assert set(spec.get("parameters") or {}) <= set(flow.parameters.properties)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["name"])
def test_every_schedule_parses(spec: dict) -> None:
    assert spec["schedules"]
    for entry in spec["schedules"]:
        schedule = CronSchedule(cron=entry["cron"], timezone=entry["timezone"])
        assert schedule.timezone == "UTC"


def test_schedules_fire_when_the_issue_says() -> None:
    crons = {s["name"]: s["schedules"][0]["cron"] for s in SPECS}
    assert crons == {"poll": "*/15 * * * *", "process": "*/5 * * * *", "weekly-digest": "0 7 * * 1",
                     "maintain-warehouse": "30 3 * * *"}
    from croniter import croniter

    monday = croniter(crons["weekly-digest"], datetime(2026, 3, 18, tzinfo=UTC)).get_next(datetime)
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 7, 0)


def test_serve_builds_the_same_deployments_with_retries() -> None:
    built = {d.name: d for d in served_deployments(PREFECT_YAML)}
    assert set(built) == {"poll", "process", "weekly-digest", "maintain-warehouse"}
    assert built["weekly-digest"].parameters == {"out": "digests"}
    assert built["process"].schedules[0].schedule.cron == "*/5 * * * *"
    assert built["process"].concurrency_limit == 1
    assert all(SERVE_TAG in d.tags and d.paused is False for d in built.values())
    assert [s.get("work_pool", {}).get("job_variables", {}).get("env", {}).get("PREFECT_FLOWS_DEFAULT_RETRIES")
            for s in SPECS] == ["1", "1", "3", "2"]


def test_a_workers_flow_runs_start_offline_as_the_cli_does() -> None:
    # Importing flows/pipeline.py sets nothing, so a worker's flow run gets the CLI's defaults from its env.
    for spec in SPECS:
        env = spec["work_pool"]["job_variables"]["env"]
        assert {k: env.get(k) for k in OFFLINE_DEFAULTS} == OFFLINE_DEFAULTS, spec["name"]


def test_scheduled_runs_never_overlap_and_a_second_digest_waits_its_turn() -> None:
    strategies = {s["name"]: s["concurrency_limit"]["collision_strategy"] for s in SPECS}
    assert strategies == {"poll": "CANCEL_NEW", "process": "CANCEL_NEW", "weekly-digest": "ENQUEUE",
                          "maintain-warehouse": "CANCEL_NEW"}


def test_an_interval_schedule_in_seconds_is_served_as_an_interval(tmp_path: Path) -> None:
    text = PREFECT_YAML.read_text(encoding="utf-8").replace('- cron: "*/5 * * * *"', "- interval: 7")
    (tmp_path / "prefect.yaml").write_text(text, encoding="utf-8")
    built = {d.name: d for d in served_deployments(tmp_path / "prefect.yaml")}
    assert built["process"].schedules[0].schedule.interval.total_seconds() == 7
