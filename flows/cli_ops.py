"""Operations commands: `oversight worker`, `oversight replay` and `oversight status` (added by flows.cli)."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from oversight.flows.bus.base import BusError, GroupLag
from oversight.flows.cli_common import OPERATIONS, PIPELINE, current_settings, fail, finish, setup_logging
from oversight.flows.stages import WORKERS, stage_inputs
from oversight.schemas import topics
from oversight.schemas.settings import Settings

WorkerStage = StrEnum("WorkerStage", {name: name for name in WORKERS})  # type: ignore[misc]


def worker(
    stage: Annotated[WorkerStage, typer.Argument(help="Stage to run: extract, tag, or land (land also lands dead letters).")],
    max_idle: Annotated[float | None, typer.Option(help="Stop after this many seconds with no message (default: run until stopped).")] = None,
) -> None:
    """Consume one stage's topic continuously; SIGTERM finishes the batch in hand, commits and exits 0."""
    from oversight.flows.worker import StopFlag, run_worker

    setup_logging()
    started, clock = datetime.now(UTC), time.monotonic()
    stop = StopFlag()
    stop.install()
    outcomes = run_worker(current_settings(), stage.value, stop, max_idle)
    finish(f"worker {stage.value}", started, outcomes, clock)


def replay(
    ids: Annotated[list[str] | None, typer.Option("--id", help="A dead_letter_id to replay (repeatable; replays it even if replayed before).")] = None,
    reason: Annotated[str | None, typer.Option(help="Replay the waiting dead letters with this reason (e.g. bad_message).")] = None,
    stage: Annotated[str | None, typer.Option(help="Replay the waiting dead letters from this stage (extract, tag, land).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter not replayed yet.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be replayed.")] = False,
) -> None:
    """Send chosen dead letters back to the topic they came from and mark them replayed."""
    from oversight.flows.bus import open_bus
    from oversight.flows.replay import replay as replay_letters
    from oversight.flows.runlog import record_run

    setup_logging()
    if not (ids or reason or stage or all_):
        fail("choose dead letters with --id ID, --reason R, --stage S or --all (`oversight status` counts them; "
             "`oversight query \"SELECT * FROM dead_letters\"` lists them)")
    settings, started = current_settings(), datetime.now(UTC)
    bus = open_bus(settings)
    try:
        report = replay_letters(settings, bus, ids or [], reason, stage, all_, dry_run)
    finally:
        bus.close()
    verb = "would replay" if dry_run else "replayed"
    for letter in report.replayed:
        typer.echo(f"{verb} {letter.dead_letter_id} ({letter.stage}, {letter.reason}) -> {letter.source_topic}")
    for letter, why in report.not_replayable:
        typer.echo(f"not replayable {letter.dead_letter_id} ({letter.stage}, {letter.reason}): {why}")
    for missing in report.not_found:
        typer.echo(f"not found {missing}: no dead letter has this id", err=True)
    counts = {"replay.replayed": len(report.replayed), "replay.not_replayable": len(report.not_replayable),
              "replay.not_found": len(report.not_found)}
    line = "oversight replay: " + " ".join(f"{k.split('.')[1]}={v}" for k, v in counts.items())
    typer.echo(line + (" (dry run)" if dry_run else ""))
    if not dry_run:
        record_run(settings, "replay", started, counts, line)
    if report.not_found:
        raise typer.Exit(1)


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Per topic and group: end offsets, committed offsets and lag; dead letters; the last CLI runs and the last
    Prefect flow runs (scheduled or manual) with their state."""
    settings = current_settings()
    report = collect_status(settings)
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        print_status(report)
    if report["bus"].get("error"):
        raise typer.Exit(1)


def collect_status(settings: Settings) -> dict[str, Any]:
    """Bus offsets, dead-letter counts and recent runs; each part reports its own error instead of failing."""
    from oversight.flows.runlog import last_runs

    return {"bus": _bus_status(settings), "warehouse": _warehouse_status(settings), "runs": last_runs(settings, 5),
            "flow_runs": _flow_run_status()}


def _flow_run_status() -> dict[str, Any]:
    """The last Prefect flow runs; an unreachable API or unreadable database is reported, not raised."""
    import sqlite3

    from oversight.flows.serve import last_flow_runs

    prefect_home = Path(os.environ["PREFECT_HOME"])
    try:
        source, rows = last_flow_runs(prefect_home)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        return {"from": str(prefect_home), "error": f"cannot read Prefect's flow runs: {exc}", "runs": []}
    return {"from": source, "runs": [r.as_dict() for r in rows]}


def _bus_status(settings: Settings) -> dict[str, Any]:
    from oversight.flows.bus import bus_location, open_bus

    where = bus_location(settings)
    out: dict[str, Any] = {"backend": settings.bus, "at": where, "partitions": [], "totals": []}
    try:
        bus = open_bus(settings)
        try:
            rows = bus.lag(stage_inputs())
        finally:
            bus.close()
    except BusError as exc:
        out["error"] = str(exc)
        return out
    out["partitions"] = [_lag_row(r) for r in rows]
    out["totals"] = _totals(rows)
    return out


def _lag_row(r: GroupLag) -> dict[str, Any]:
    return {"topic": r.topic, "group": r.group, "partition": r.partition, "end": r.end_offset,
            "committed": r.committed, "lag": r.lag}


def _totals(rows: list[GroupLag]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        t = totals.setdefault((r.topic, r.group), {"topic": r.topic, "group": r.group, "partitions": 0,
                                                   "end": 0, "committed": 0, "lag": 0})
        t["partitions"] += 1
        t["end"] += r.end_offset
        t["committed"] += r.committed
        t["lag"] += r.lag
    return list(totals.values())


def _warehouse_status(settings: Settings) -> dict[str, Any]:
    from oversight.warehouse import db, dead_letters

    out: dict[str, Any] = {"path": settings.lake.shown}
    try:
        with db.reader(settings.lake) as con:
            total, replayed = dead_letters.counts(con)
    except db.WarehouseError as exc:
        out["error"] = str(exc)
        return out
    out["dead_letters"] = {"total": total, "replayed": replayed, "waiting": total - replayed}
    return out


def print_status(report: dict[str, Any]) -> None:
    """Tables for people: per-partition rows (Kafka), a total per topic and group, then dead letters and runs."""
    bus = report["bus"]
    typer.echo(f"bus: {bus['backend']} at {bus['at']}")
    if bus.get("error"):
        typer.echo(f"  error: {bus['error']}")
    else:
        _print_offsets(bus)
    wh = report["warehouse"]
    dead_end = sum(t["end"] for t in bus["totals"] if t["topic"] == topics.DEAD_LETTERS)
    if wh.get("error"):
        typer.echo(f"dead letters: {dead_end} on {topics.DEAD_LETTERS}; warehouse: {wh['error']}")
    else:
        d = wh["dead_letters"]
        typer.echo(f"dead letters: {dead_end} on {topics.DEAD_LETTERS}; {d['total']} in the warehouse "
                   f"({d['waiting']} waiting, {d['replayed']} replayed; `oversight replay` sends them back)")
    typer.echo("last runs:" if report["runs"] else "last runs: none yet")
    for run in report["runs"]:
        typer.echo(f"  {str(run.get('started_at', ''))[:19]}  {run.get('summary', '')}")
    flow_runs = report["flow_runs"]
    if flow_runs.get("error"):
        typer.echo(f"flow runs: {flow_runs['error']}")
        return
    typer.echo(f"last flow runs ({flow_runs['from']}):" if flow_runs["runs"] else "last flow runs: none yet")
    for r in flow_runs["runs"]:
        why = f"  {r['message']}" if r["state"] not in ("Completed", "Running") and r["message"] else ""
        typer.echo(f"  {r['when']}  {r['flow']:<14} {r['state']:<11} {r['name']}{why}")


def _print_offsets(bus: dict[str, Any]) -> None:
    typer.echo(f"  {'topic':<24} {'group':<24} {'partition':>9} {'end':>9} {'committed':>9} {'lag':>9}")
    many = bus["backend"] == "kafka"
    for total in bus["totals"]:
        if many:
            for p in bus["partitions"]:
                if (p["topic"], p["group"]) == (total["topic"], total["group"]):
                    typer.echo(f"  {p['topic']:<24} {p['group']:<24} {p['partition']:>9} {p['end']:>9} "
                               f"{p['committed']:>9} {p['lag']:>9}")
        label = "all" if many else "0"
        typer.echo(f"  {total['topic']:<24} {total['group']:<24} {label:>9} {total['end']:>9} "
                   f"{total['committed']:>9} {total['lag']:>9}")


def register(app: typer.Typer) -> None:
    """Add the operations commands to the `oversight` app."""
    app.command(rich_help_panel=PIPELINE)(worker)
    app.command(rich_help_panel=OPERATIONS)(replay)
    app.command(rich_help_panel=OPERATIONS)(status)
