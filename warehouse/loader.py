"""Landing: idempotent, Arrow-batched upserts of tagged articles and dead letters into the lake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from oversight.schemas.records import Article, DeadLetter, Event, Mention, TaggedArticle, stable_id
from oversight.warehouse.columns import columns
from oversight.warehouse.db import run_with_tables, transaction, write_tables

# Each batch's columns come from its records' fields (warehouse/columns.py); the rest are the keys that tie a
# row to its article. An article's row is the Article plus the scalars of its tagging.
_ARTICLE_ID = pa.field("article_id", pa.string())
_ARTICLE_SCHEMA = pa.schema([*columns(Article), *columns(TaggedArticle, only=("tag_status", "tagger_version"))])
_MENTION_SCHEMA = pa.schema([_ARTICLE_ID, *columns(Mention, rename={"start": "start_char", "end": "end_char"})])
_EVENT_SCHEMA = pa.schema([pa.field("event_id", pa.string()), _ARTICLE_ID, *columns(Event),
                           *columns(Article, only=("published",))])
_PROMOTION_SCHEMA = pa.schema([("old", pa.string()), ("new", pa.string())])
_DEAD_SCHEMA = pa.schema(columns(DeadLetter))
# The batches landed into each lake table (tests/test_columns.py checks the tables have these columns).
LANDED_SCHEMAS = {"articles": _ARTICLE_SCHEMA, "mentions": _MENTION_SCHEMA, "events": _EVENT_SCHEMA,
                  "dead_letters": _DEAD_SCHEMA}


def event_id(article_id: str, agency_id: str, technology: str) -> str:
    """Stable id of an event: the same article, agency and technology give the same id."""
    return stable_id(article_id, agency_id, technology)


def land_tagged(
    con: duckdb.DuckDBPyConnection,
    batch: Sequence[TaggedArticle],
    duplicate_of: Mapping[str, str] | None = None,
    promoted: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Upsert articles, mentions and events of a batch in one transaction (retried); return row counts."""
    return transaction(con, lambda: write_tagged(con, batch, duplicate_of, promoted), "land")


def write_tagged(
    con: duckdb.DuckDBPyConnection,
    batch: Sequence[TaggedArticle],
    duplicate_of: Mapping[str, str] | None = None,
    promoted: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Upsert articles, mentions and events of a batch inside the caller's transaction; return row counts."""
    latest = {t.article.article_id: t for t in batch}  # a redelivered article: the last copy wins
    dups = duplicate_of or {}
    articles = [_article_row(t, dups.get(aid)) for aid, t in latest.items()]
    # The same span resolved the same way twice is one mention.
    mentions = list({(aid, m.label, m.start, m.end, m.canonical_id): _mention_row(aid, m)
                     for aid, t in latest.items() for m in t.mentions}.values())
    events = [_event_row_for(t, e) for t in latest.values() for e in t.events]
    tables = {
        "batch_articles": pa.Table.from_pylist(articles, schema=_ARTICLE_SCHEMA),
        "batch_mentions": pa.Table.from_pylist(mentions, schema=_MENTION_SCHEMA),
        "batch_events": pa.Table.from_pylist(_unique_events(events), schema=_EVENT_SCHEMA),
        "batch_promotions": pa.Table.from_pylist([{"old": o, "new": n} for o, n in (promoted or {}).items()],
                                                 schema=_PROMOTION_SCHEMA),
    }
    names = ["land_articles", "land_mentions", "land_events", "land_entities"]
    run_with_tables(con, tables, [*names, "promote_originals"] if promoted else names)
    return {"articles": len(articles), "mentions": len(mentions), "events": len(tables["batch_events"])}


def land_dead_letters(con: duckdb.DuckDBPyConnection, letters: Sequence[DeadLetter]) -> int:
    """Insert dead letters, ignoring ones already recorded; return how many were in the batch."""
    rows = [letter.model_dump() for letter in {d.dead_letter_id: d for d in letters}.values()]
    table = pa.Table.from_pylist(rows, schema=_DEAD_SCHEMA)
    write_tables(con, {"batch_dead_letters": table}, ["land_dead_letters"])
    return len(rows)


def _article_row(tagged: TaggedArticle, duplicate_of: str | None) -> dict[str, Any]:
    row = tagged.article.model_dump(exclude={"duplicate_of"})
    row["duplicate_of"] = duplicate_of or tagged.article.duplicate_of
    row["tag_status"] = tagged.tag_status
    row["tagger_version"] = tagged.tagger_version
    return row


def _mention_row(article_id: str, mention: Any) -> dict[str, Any]:
    row: dict[str, Any] = mention.model_dump()
    row["article_id"] = article_id
    row["start_char"], row["end_char"] = row.pop("start"), row.pop("end")
    return row


def _event_row_for(tagged: TaggedArticle, event: Any) -> dict[str, Any]:
    row: dict[str, Any] = event.model_dump()
    aid = tagged.article.article_id
    row.update(article_id=aid, event_id=event_id(aid, event.agency_id, event.technology),
               published=tagged.article.published)
    return row


def _unique_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The tagger gives one event per (agency, technology); keep the most confident if it ever repeats.
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["event_id"] not in best or row["confidence"] > best[row["event_id"]]["confidence"]:
            best[row["event_id"]] = row
    return list(best.values())
