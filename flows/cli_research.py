"""Research commands of `oversight`: query, export, search, schema, digest."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import typer

from oversight.flows.cli_common import (
    RESEARCH,
    UNAVAILABLE,
    AsOfOption,
    current_settings,
    fail,
    parse_as_of,
    read_only,
)
from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db

TABLE_ROWS = 200


RawCSV = Annotated[bool, typer.Option(
    "--raw", help="CSV cells exactly as stored: no apostrophe before a cell that starts with = + - @ tab or CR "
    "(which spreadsheets would run as a formula). For programs, not spreadsheets.")]


def query(
    sql_text: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement (read-only).")],
    fmt: Annotated[Literal["table", "csv", "json", "parquet"],
                   typer.Option("--format", help="table, csv, json or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write the result to this file instead of the terminal.")] = None,
    raw: RawCSV = False,
    as_of: AsOfOption = None,
) -> None:
    """Run one SELECT on a read-only connection to the warehouse; print a table or write CSV, JSON or Parquet.

    Nothing it runs can change the warehouse, write a file (other than --out), attach a database, load an
    extension, change a setting or reach the network.
    """
    from oversight.warehouse.export import write_table
    from oversight.warehouse.readonly import NotReadOnly, run_query

    if fmt == "parquet" and out is None:
        fail("--format parquet needs --out FILE")
    try:
        result = run_query(current_settings().lake, sql_text, parse_as_of(as_of))
    except NotReadOnly as exc:
        fail(f"refused: {exc}")
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    except duckdb.Error as exc:
        hint = " (the warehouse is read-only here)" if "read-only" in str(exc) or "disabled" in str(exc) else ""
        fail(f"bad SQL: {exc}{hint}")
    if out is not None:
        written = write_table(result, "csv" if fmt == "table" else fmt, out, raw)
        typer.echo(f"wrote {result.num_rows} row(s) to {written}")
    elif fmt == "table":
        typer.echo(_as_table(result.column_names, [tuple(r.values()) for r in result.slice(0, TABLE_ROWS).to_pylist()]))
        if result.num_rows > TABLE_ROWS:
            typer.echo(f"... {result.num_rows - TABLE_ROWS} more row(s); use --format csv --out FILE for all")
    else:
        typer.echo(_as_text(result, fmt, raw), nl=False)


def _as_table(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[("" if v is None else str(v)).replace("\n", " ")[:80] for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join([line.rstrip(), "  ".join("-" * w for w in widths), *body, f"({len(rows)} row(s))"])


def _as_text(result: Any, fmt: str, raw: bool) -> str:
    import tempfile

    from oversight.warehouse.export import write_table

    with tempfile.TemporaryDirectory() as tmp:
        return write_table(result, "csv" if fmt == "csv" else "json", Path(tmp) / "out", raw).read_text(
            encoding="utf-8")


def export(
    fmt: Annotated[Literal["parquet", "csv"], typer.Option("--format", help="parquet or csv.")],
    out: Annotated[Path, typer.Option(help="Folder to write <table>.<format> files into.")],
    raw: RawCSV = False,
    as_of: AsOfOption = None,
) -> None:
    """Write every table and view to files for pandas, R or another DuckDB (one snapshot, named at the end)."""
    from oversight.warehouse.export import export_all

    with read_only(as_of) as con:
        written = export_all(con, fmt, out, raw)
        snapshot = db.current_snapshot(con)
    typer.echo(f"wrote {len(written)} file(s) to {out} from snapshot {snapshot} (--as-of {snapshot} exports "
               "exactly these rows again)")


def search(
    terms: Annotated[list[str], typer.Argument(
        help='Words to look for in article titles and text: every word of one or two, all but one of three or '
        'more (stemmed: "drone" finds "drones"); words that name a technology ("facial recognition", "police '
        'drones") also find the articles tagged with it; a "quoted phrase" must appear, its words in order '
        '(stemmed: "plate readers" finds "plate reader"; quote it for the shell too: \'"face recognition"\').')],
    technology: Annotated[str | None, typer.Option(
        help="Only articles that mention this technology (a slug: face_recognition, drones, ...).")] = None,
    agency: Annotated[str | None, typer.Option(
        help="Only articles that mention an agency whose name contains this (any case).")] = None,
    state: Annotated[str | None, typer.Option(help="Only articles that mention an agency of this US state (TX).")]
    = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 20,
) -> None:
    """Full-text search over articles, ranked by BM25: score, date, outlet, title, URL, tags and a snippet
    with the matches in [brackets]. Hits with every word come first; a hit that lacks a word of a long query
    says which, and one that holds a technology's name only through its tags says which technology.
    Syndicated copies show as their original."""
    from oversight.warehouse.search import BadQuery, Filters, SearchIndexMissing, searching
    from oversight.warehouse.search import search as run_search

    days = {name: _day(name, value) for name, value in (("since", since), ("until", until))}
    if state is not None and not (len(state) == 2 and state.isalpha()):
        fail(f"--state {state!r} is not a two-letter US state like TX")
    filters = Filters(technology, agency, state.upper() if state else None, days["since"], days["until"])
    location = current_settings().lake
    _refresh_if_behind(location)
    query = " ".join(terms)
    try:
        with searching(location) as con:
            known = [row[0] for row in con.execute("SELECT slug FROM technologies ORDER BY slug").fetchall()]
            if technology is not None and technology not in known:
                fail(f"--technology {technology!r} is not a technology slug; one of: {', '.join(known)}")
            hits = run_search(con, query, limit=limit, filters=filters)
    except (SearchIndexMissing, BadQuery) as exc:
        fail(str(exc))
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    for h in hits:
        when = h.published.date().isoformat() if h.published else "????-??-??"
        typer.echo(f"{h.score:6.2f}  {when}  {h.outlet or ''}  {h.title or '(untitled)'}\n        {h.url}")
        tags = [*h.technologies, *h.entities]
        typer.echo(f"        tags: {', '.join(tags) if tags else '-'}")
        if h.missing:
            typer.echo(f"        without: {', '.join(h.missing)}")
        if h.through:
            typer.echo(f"        as technology: {', '.join(h.through)}")
        if h.snippet:
            typer.echo(f"        {h.snippet}")
    typer.echo(f"{len(hits)} hit(s) for {query!r}" + (f" ({_described(filters)})" if _described(filters) else ""))


def _day(name: str, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        fail(f"--{name} {value!r} is not a date like 2026-03-01")


def _described(filters: Any) -> str:
    return ", ".join(f"{name} {value}" for name, value in vars(filters).items() if value is not None)


def _refresh_if_behind(location: LakeLocation) -> None:
    # Landing refreshes the index after each drain; this catches up if that was skipped (e.g. a crash).
    # It never waits: a refresh already running elsewhere is left to finish, and the search reads the
    # index as it is meanwhile.
    from oversight.warehouse.search import refresh_search_index

    try:
        refresh_search_index(location)
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    except (duckdb.Error, OSError) as exc:
        typer.echo(f"note: could not bring the search index up to date ({exc}); searching it as it is", err=True)


def schema(
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown, as in docs/DATA_DICTIONARY.md.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of the terminal.")] = None,
) -> None:
    """Print the data dictionary: every table, view and column with its meaning (from the warehouse)."""
    from oversight.warehouse.dictionary import as_markdown, as_text

    with read_only() as con:
        text = as_markdown(con) if markdown else as_text(con)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


def digest(
    out: Annotated[Path, typer.Option(help="Folder for digest-YYYY-Www.md/.html and events-YYYY-Www.csv.")],
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the last complete week).")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Write the weekly digest of an ISO week: Markdown, HTML with charts, and the week's events as CSV.

    The digest names the warehouse snapshot it read; `--as-of` that snapshot rebuilds it byte for byte.
    """
    from oversight.warehouse.digest import parse_week
    from oversight.warehouse.snapshots import write_cited_digest

    if week:
        try:
            parse_week(week)
        except ValueError as exc:
            fail(str(exc))
    settings = current_settings()
    try:
        paths, snapshot = write_cited_digest(settings.lake, week, out, parse_as_of(as_of), settings.web_url)
    except db.WarehouseError as exc:
        fail(str(exc), UNAVAILABLE)
    for path in paths:
        typer.echo(f"wrote {path}")
    typer.echo(f"built from snapshot {snapshot}")


def register(app: typer.Typer) -> None:
    """Add the research commands to the `oversight` app."""
    for command in (query, export, search, schema, digest):
        app.command(rich_help_panel=RESEARCH)(command)
