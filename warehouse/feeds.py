"""Feed registry and poll bookkeeping in the warehouse: which feeds are due, which entries are new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pyarrow as pa

from oversight.schemas.feeds import DueFeed, PollResult
from oversight.schemas.records import FeedEntry
from oversight.warehouse.columns import columns
from oversight.warehouse.db import sql, write_tables


@dataclass(frozen=True)
class FeedRow:
    """A feed to register: URL plus what an OPML file says about it."""

    feed_url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None


# The batches' columns come from the records' fields (warehouse/columns.py).
_POLL_SCHEMA = pa.schema(columns(PollResult))
_ENTRY_SCHEMA = pa.schema(columns(FeedEntry, exclude=("summary",)))
_FEED_SCHEMA = pa.schema(columns(FeedRow))


def register_feeds(con: duckdb.DuckDBPyConnection, feeds: Sequence[FeedRow]) -> int:
    """Add feeds to the registry (existing ones are kept, and re-activated); return how many were given."""
    rows = [asdict(f) for f in {f.feed_url: f for f in feeds}.values()]
    write_tables(con, {"batch_feeds": pa.Table.from_pylist(rows, schema=_FEED_SCHEMA)}, ["register_feeds"])
    return len(rows)


def due_feeds(
    con: duckdb.DuckDBPyConnection, urls: Sequence[str] | None = None, force: bool = False
) -> list[DueFeed]:
    """Active feeds due for a poll; `urls` limits to those feeds, `force` ignores the schedule."""
    rows = con.execute(sql("due_feeds"), {"urls": list(urls) if urls is not None else None, "force": force})
    return [DueFeed(*row) for row in rows.fetchall()]


def unseen_entries(con: duckdb.DuckDBPyConnection, entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Entries not queued before, first copy of each article id only."""
    unique = list({e.article_id: e for e in reversed(entries)}.values())[::-1]
    if not unique:
        return []
    seen = {r[0] for r in con.execute(sql("seen_entries"), {"ids": [e.article_id for e in unique]}).fetchall()}
    return [e for e in unique if e.article_id not in seen]


def record_poll(
    con: duckdb.DuckDBPyConnection, results: Sequence[PollResult], entries: Sequence[FeedEntry]
) -> None:
    """Write feed health and the newly queued entries in one transaction."""
    entry_rows: list[dict[str, Any]] = [e.model_dump(include=set(_ENTRY_SCHEMA.names)) for e in entries]
    tables = {
        "batch_polls": pa.Table.from_pylist([asdict(r) for r in results], schema=_POLL_SCHEMA),
        "batch_entries": pa.Table.from_pylist(entry_rows, schema=_ENTRY_SCHEMA),
    }
    write_tables(con, tables, ["record_polls", "record_entries"])
