"""`oversight warehouse ...`: move a pre-lake warehouse into the lake, and the one line that attaches the lake."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from oversight.flows.cli_common import UNAVAILABLE, current_settings, fail

warehouse_app = typer.Typer(help="Move a pre-lake warehouse into the lake; show how to attach the lake; list "
                            "its snapshots; maintain it.",
                            no_args_is_help=True)


@warehouse_app.command()
def move(
    source: Annotated[Path | None, typer.Option("--from", help="The pre-lake DuckDB file (default: "
                                                "OVERSIGHT_WAREHOUSE, else $OVERSIGHT_HOME/warehouse.duckdb).")] = None,
) -> None:
    """Copy every table of a pre-lake warehouse.duckdb into the (empty) lake, then rename it to *.moved."""
    from oversight.warehouse.db import WarehouseError
    from oversight.warehouse.move import move_into_lake
    from oversight.warehouse.search import refresh_search_index

    settings = current_settings()
    old = source or settings.warehouse_path
    try:
        moved = move_into_lake(old, settings.lake)
    except WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    typer.echo(", ".join(f"{table} {rows}" for table, rows in moved.items()))
    typer.echo(f"moved {old} into {settings.lake.shown}; the old file is now {old.name}.moved")
    typer.echo(f"search index: {refresh_search_index(settings.lake)} article(s) indexed")


@warehouse_app.command()
def attach() -> None:
    """Print the line that attaches the lake read-only from the DuckDB CLI, Python or R."""
    from oversight.schemas.settings import hide_password
    from oversight.warehouse.lake import attach_sql

    attach_line = hide_password(attach_sql(current_settings().lake, read_only=True))
    typer.echo(f"DuckDB CLI or any DuckDB:  {attach_line}; USE lake;")
    typer.echo('Python (oversight installed):  from oversight.warehouse import connect; con = connect()')
    typer.echo(f'R (duckdb package):  DBI::dbExecute(con, "{attach_line}"); DBI::dbExecute(con, "USE lake")')
    if "***" in attach_line:
        typer.echo("(password hidden: give it in PGPASSWORD or ~/.pgpass rather than in OVERSIGHT_CATALOG)")


@warehouse_app.command()
def snapshots(
    limit: Annotated[int, typer.Option(help="Show the newest this many.")] = 30,
) -> None:
    """List the lake's snapshots (newest first) with what changed and the digests that cite each one;
    `--as-of ID` on query, export or digest reads the warehouse as it was at one."""
    from oversight.warehouse.db import WarehouseError
    from oversight.warehouse.snapshots import list_snapshots

    try:
        rows = list_snapshots(current_settings().lake, limit)
    except WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
        raise
    for snapshot_id, when, changes, cited_by in rows:
        cite = f"  cited by digest {cited_by}" if cited_by else ""
        typer.echo(f"{snapshot_id:>8}  {when.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z  {changes[:90]}{cite}")


@warehouse_app.command()
def maintain(
    keep_days: Annotated[float | None, typer.Option(help="Expire snapshots older than this many days (default "
                                                    "OVERSIGHT_SNAPSHOT_KEEP_DAYS); cited ones are kept.")] = None,
    grace_minutes: Annotated[float | None, typer.Option(help="Delete only files unreferenced for longer than this "
                                                        "(default OVERSIGHT_MAINTENANCE_GRACE_MINUTES).")] = None,
) -> None:
    """Merge small files, expire old snapshots (never one a digest cites), delete unreferenced files; safe while
    landing and reading go on. The `maintain-warehouse` deployment runs it daily."""
    from datetime import timedelta

    from oversight.warehouse.db import WarehouseError
    from oversight.warehouse.maintenance import maintain as run_maintenance

    settings = current_settings()
    try:
        report = run_maintenance(settings.lake, settings.snapshot_keep_days if keep_days is None else keep_days,
                                 timedelta(minutes=settings.maintenance_grace_minutes if grace_minutes is None
                                           else grace_minutes))
    except WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
        raise
    for table in sorted(report.files_after):
        typer.echo(f"{table}: {report.files_before.get(table, 0)} -> {report.files_after[table]} data file(s)")
    typer.echo(f"oversight warehouse maintain: {report.summary()}")
