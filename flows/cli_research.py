"""Research commands of `oversight`: query, export, search, schema, digest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import typer

from schemas.settings import load_settings
from warehouse import db

TABLE_ROWS = 200


def fail(message: str, code: int = 1) -> None:
    """Print a clear error and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def read_only(wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, waiting up to `wait_s` while the landing stage holds the file."""
    path = load_settings().warehouse_path
    deadline = time.monotonic() + wait_s
    with ExitStack() as stack:
        while True:
            try:
                con = stack.enter_context(db.reader(path))
                break
            except db.WarehouseLocked as exc:
                if time.monotonic() >= deadline:
                    fail(f"{exc}. Retry in a moment, or pass --wait SECONDS.", 3)
                time.sleep(0.5)
            except db.WarehouseError as exc:
                fail(str(exc), 2)
        yield con


Wait = Annotated[float, typer.Option("--wait", help="Seconds to wait while the warehouse is being written.")]


def query(
    sql_text: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement (read-only).")],
    fmt: Annotated[Literal["table", "csv", "json", "parquet"],
                   typer.Option("--format", help="table, csv, json or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write the result to this file instead of the terminal.")] = None,
    wait: Wait = 10.0,
) -> None:
    """Run SQL on a read-only connection to the warehouse; print a table or write CSV, JSON or Parquet."""
    from warehouse.export import write_table

    if fmt == "parquet" and out is None:
        fail("--format parquet needs --out FILE")
    with read_only(wait) as con:
        try:
            result = con.execute(sql_text).to_arrow_table()
        except duckdb.Error as exc:
            hint = " (the warehouse is opened read-only here)" if "read-only" in str(exc) else ""
            fail(f"bad SQL: {exc}{hint}")
            raise
    if out is not None:
        written = write_table(result, "csv" if fmt == "table" else fmt, out)
        typer.echo(f"wrote {result.num_rows} row(s) to {written}")
    elif fmt == "table":
        typer.echo(_as_table(result.column_names, [tuple(r.values()) for r in result.slice(0, TABLE_ROWS).to_pylist()]))
        if result.num_rows > TABLE_ROWS:
            typer.echo(f"... {result.num_rows - TABLE_ROWS} more row(s); use --format csv --out FILE for all")
    else:
        typer.echo(_as_text(result, fmt), nl=False)


def _as_table(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[("" if v is None else str(v)).replace("\n", " ")[:80] for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join([line.rstrip(), "  ".join("-" * w for w in widths), *body, f"({len(rows)} row(s))"])


def _as_text(result: Any, fmt: str) -> str:
    import tempfile

    from warehouse.export import write_table

    with tempfile.TemporaryDirectory() as tmp:
        return write_table(result, "csv" if fmt == "csv" else "json", Path(tmp) / "out").read_text(encoding="utf-8")


def export(
    fmt: Annotated[Literal["parquet", "csv"], typer.Option("--format", help="parquet or csv.")],
    out: Annotated[Path, typer.Option(help="Folder to write <table>.<format> files into.")],
    wait: Wait = 10.0,
) -> None:
    """Write every table and view to files for pandas, R or another DuckDB."""
    from warehouse.export import export_all

    with read_only(wait) as con:
        written = export_all(con, fmt, out)
    typer.echo(f"wrote {len(written)} file(s) to {out}")


def search(
    terms: Annotated[list[str], typer.Argument(help="Words to look for in article titles and text.")],
    since: Annotated[str | None, typer.Option(help="Only articles published on or after YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 20,
    wait: Wait = 10.0,
) -> None:
    """Full-text search (BM25) over articles: date, outlet, title, URL and tags of each hit."""
    from warehouse.search import SearchIndexMissing
    from warehouse.search import search as run_search

    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since {since!r} is not a date like 2026-03-01")
        raise
    _refresh_if_behind()
    with read_only(wait) as con:
        try:
            hits = run_search(con, " ".join(terms), day, limit)
        except SearchIndexMissing as exc:
            fail(str(exc))
            raise
    for h in hits:
        when = h.published.date().isoformat() if h.published else "????-??-??"
        typer.echo(f"{when}  {h.outlet or ''}  {h.title or '(untitled)'}\n    {h.url}")
        tags = [*h.technologies, *h.entities]
        typer.echo(f"    tags: {', '.join(tags) if tags else '-'}")
    typer.echo(f"{len(hits)} hit(s) for {' '.join(terms)!r}")


def _refresh_if_behind() -> None:
    # Landing refreshes the index after each batch; this catches up if that was skipped (e.g. a crash).
    from warehouse.search import load_fts, pending_articles, refresh_search_index

    path = load_settings().warehouse_path
    try:
        with db.reader(path) as con:
            load_fts(con)
            behind = pending_articles(con)
        if behind:
            with db.writer(path, wait_s=5) as con:
                refresh_search_index(con)
    except db.WarehouseLocked:
        typer.echo("note: the warehouse is busy; searching the index as it is", err=True)
    except db.WarehouseError as exc:
        fail(str(exc), 2)


def schema(
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown, as in docs/DATA_DICTIONARY.md.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of the terminal.")] = None,
    wait: Wait = 10.0,
) -> None:
    """Print the data dictionary: every table, view and column with its meaning (from the warehouse)."""
    from warehouse.dictionary import as_markdown, as_text

    with read_only(wait) as con:
        text = as_markdown(con) if markdown else as_text(con)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


def digest(
    out: Annotated[Path, typer.Option(help="Folder for digest-YYYY-Www.md/.html and events-YYYY-Www.csv.")],
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the last complete week).")] = None,
    wait: Wait = 10.0,
) -> None:
    """Write the weekly digest of an ISO week: Markdown, HTML with charts, and the week's events as CSV."""
    from warehouse.digest import parse_week, write_digest

    if week:
        try:
            parse_week(week)
        except ValueError as exc:
            fail(str(exc))
    with read_only(wait) as con:
        for path in write_digest(con, week, out):
            typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the research commands to the `oversight` app."""
    for command in (query, export, search, schema, digest):
        app.command()(command)
