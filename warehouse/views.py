"""The research views researchers query: their names, in the order the data dictionary presents them."""

from __future__ import annotations

import duckdb

from oversight.warehouse.db import sql

# Trend and question views first, then the building blocks they are made of.
RESEARCH_VIEWS = (
    "weekly_technology_mentions",
    "weekly_vendor_mentions",
    "weekly_state_mentions",
    "new_adoptions",
    "agency_timeline",
    "vendor_share",
    "coverage",
    "stories",
    "story_events",
    "corrected_events",
    "story_mentions",
    "syndicated_copies",
)


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(name, 'table' or 'view', comment) of every table and view in the warehouse."""
    return [(str(n), str(k), c) for n, k, c in con.execute(sql("catalog_relations")).fetchall()]


def export_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view worth exporting: tables first, then views (fts internals are another schema)."""
    return [name for name, _, _ in relations(con)]
