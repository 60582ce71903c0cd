"""Query results and whole-warehouse exports as CSV, JSON or Parquet for pandas, R or another DuckDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from oversight.warehouse.dictionary import column_comments
from oversight.warehouse.duckfile import quote_identifier
from oversight.warehouse.views import export_names, relations

Format = Literal["csv", "json", "parquet"]


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` in an article title).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading apostrophe (the
    OWASP advice for CSV injection); anything else is unchanged."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_table(table: pa.Table, fmt: Format, out: Path, raw: bool = False) -> Path:
    """Write an Arrow table to `out` in the given format.

    CSV text cells that start like a formula are neutralised (`neutralise_cell`) unless `raw`: cells come
    from feeds and pages, and CSV files get opened in spreadsheets."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, out, compression="zstd")
    elif fmt == "csv":
        pa_csv.write_csv(_csv_safe(table, raw), out)
    else:
        out.write_text(json.dumps(table.to_pylist(), default=str, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    return out


def export_all(con: duckdb.DuckDBPyConnection, fmt: Literal["csv", "parquet"], out_dir: Path,
               raw: bool = False) -> list[Path]:
    """Write every table and view to `<out_dir>/<name>.<fmt>` (CSV neutralised unless `raw`); return the files."""
    written = []
    comments = {name: comment for name, _, comment in relations(con)}
    for name in export_names(con):
        # The name comes from the warehouse's own catalog, quoted as an identifier (no user input).
        table = con.execute("SELECT * FROM " + quote_identifier(name)).to_arrow_table()
        if fmt == "parquet":
            table = describe(table, comments.get(name), column_comments(con, name))
        written.append(write_table(table, fmt, out_dir / f"{name}.{fmt}", raw))
    return written


def describe(table: pa.Table, comment: str | None, columns: dict[str, str]) -> pa.Table:
    """The table with the data dictionary in its Arrow (and so Parquet) metadata: `description` on each field
    (the column's comment; pyarrow, pandas and R arrow read it back) and, in the file's key-value metadata
    (which any Parquet reader lists, e.g. DuckDB's parquet_kv_metadata), `description` (the table's comment)
    and `column_descriptions` (a JSON object, column -> comment)."""
    fields = [field.with_metadata({**(field.metadata or {}), b"description": columns[field.name].encode()})
              if field.name in columns else field for field in table.schema]
    meta = dict(table.schema.metadata or {})
    meta[b"column_descriptions"] = json.dumps(
        {name: columns[name] for name in table.column_names if name in columns}, ensure_ascii=False).encode()
    if comment:
        meta[b"description"] = comment.encode()
    return table.cast(pa.schema(fields, metadata=meta))


def _csv_safe(table: pa.Table, raw: bool) -> pa.Table:
    # CSV has no lists or structs: write those columns as JSON text so R and pandas can still read them.
    columns = []
    for col in table.columns:
        if pa.types.is_nested(col.type):
            col = pa.array([None if v is None else json.dumps(v, default=str) for v in col.to_pylist()],
                           type=pa.string())
        if not raw and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            risky = pc.match_substring_regex(col, "^[=+\\-@\t\r]")  # RE2: linear time
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    return pa.table(columns, names=table.column_names)
