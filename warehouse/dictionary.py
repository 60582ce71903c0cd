"""The data dictionary, read from the warehouse's own COMMENT ON entries: plain text or Markdown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from oversight.warehouse.db import sql
from oversight.warehouse.views import RESEARCH_VIEWS, relations

INTRO = (
    "Every table and view of the oversight warehouse, generated from the `COMMENT ON` entries (and, for the "
    "columns of views and for macros, which the lake cannot comment, the `dictionary` table) in "
    "`warehouse/migrations/` by `oversight schema --markdown`. The full-text index's book-keeping, "
    "`search_index_state`, lives in the search file beside the lake. Syndicated copies of a story "
    "(`articles.duplicate_of` set) count once in every view. Weeks are ISO weeks in UTC."
)


@dataclass
class Relation:
    """A table or view with its comment and (name, type, comment) columns."""

    name: str
    kind: str
    comment: str
    columns: list[tuple[str, str, str]] = field(default_factory=list)


def read_dictionary(con: duckdb.DuckDBPyConnection) -> list[Relation]:
    """Tables and views with their columns; research views in their documented order, then the rest."""
    columns: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for table, column, dtype, comment in con.execute(sql("catalog_columns")).fetchall():
        columns[table].append((column, dtype, comment or ""))
    found = [Relation(n, k, c or "", columns[n]) for n, k, c in relations(con)]
    order = {name: i for i, name in enumerate(RESEARCH_VIEWS)}
    return sorted(found, key=lambda r: (r.kind != "view", order.get(r.name, len(order)), r.name))


def undocumented_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table or view, column) of every column with no comment, neither in the catalog nor in `dictionary`."""
    return [(str(t), str(c)) for t, c, _, comment in con.execute(sql("catalog_columns")).fetchall()
            if not (comment or "").strip()]


def column_comments(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Column -> comment of one table or view (the meaning a Parquet export carries along)."""
    return {str(c): str(comment) for t, c, _, comment in con.execute(sql("catalog_columns")).fetchall()
            if t == name and comment}


def macros(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, comment) of the warehouse's SQL macros."""
    return [(str(n), c or "") for n, c in con.execute(sql("catalog_macros")).fetchall()]


def as_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The dictionary as the Markdown committed in docs/DATA_DICTIONARY.md."""
    lines = ["# Data dictionary", "", INTRO, ""]
    relations_ = read_dictionary(con)
    for kind, heading in (("view", "Views"), ("table", "Tables")):
        lines += [f"## {heading}", ""]
        for rel in (r for r in relations_ if r.kind == kind):
            lines += [f"### `{rel.name}`", "", rel.comment or "(undocumented)", "",
                      "| column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c}` | {t} | {_cell(m)} |" for c, t, m in rel.columns]
            lines.append("")
    lines += ["## Macros", ""] + [f"- `{name}`: {comment}" for name, comment in macros(con)]
    return "\n".join(lines) + "\n"


def as_text(con: duckdb.DuckDBPyConnection) -> str:
    """The dictionary as plain text for a terminal."""
    lines: list[str] = []
    for rel in read_dictionary(con):
        lines += [f"{rel.name} ({rel.kind}): {rel.comment or '(undocumented)'}"]
        width = max((len(c) for c, _, _ in rel.columns), default=0)
        lines += [f"  {c:<{width}}  {t:<24} {m}".rstrip() for c, t, m in rel.columns]
        lines.append("")
    lines += ["macros:"] + [f"  {name}: {comment}" for name, comment in macros(con)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
