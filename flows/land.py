"""Landing glue: near-duplicate marking and lock-tolerant warehouse writes for a batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from extractors.dedup import DuplicateIndex
from flows.outcomes import Outcomes
from schemas.records import DeadLetter, TaggedArticle
from schemas.settings import Settings
from warehouse import db
from warehouse.loader import land_dead_letters, land_tagged
from warehouse.search import refresh_search_index

log = logging.getLogger("oversight.land")

# One near-duplicate index per process and warehouse, rebuilt from the warehouse on first use.
_INDEXES: dict[Path, DuplicateIndex] = {}


def _duplicate_index(path: Path) -> DuplicateIndex:
    if path not in _INDEXES:
        index = DuplicateIndex()
        with db.writer(path) as con:
            for article_id, fp in con.execute(db.sql("fingerprints")).fetchall():
                index.add(article_id, fp)
        _INDEXES[path] = index
    return _INDEXES[path]


def land_batch(settings: Settings, tagged: Sequence[TaggedArticle]) -> Outcomes:
    """Mark syndicated copies, then upsert the batch; a locked warehouse is waited out, not failed."""
    outcomes = Outcomes()
    if not tagged:
        return outcomes
    index = _duplicate_index(settings.warehouse_path)
    duplicates: dict[str, str] = {}
    for t in tagged:
        fp = t.article.fingerprint
        if not fp:
            continue
        original = index.find(fp)
        if original and original != t.article.article_id:
            duplicates[t.article.article_id] = original
        elif original is None:
            index.add(t.article.article_id, fp)
    with db.writer(settings.warehouse_path) as con:
        counts = land_tagged(con, tagged, duplicates)
    outcomes.add("land", "articles", counts["articles"])
    outcomes.add("land", "duplicates", len(duplicates))
    outcomes.add("land", "mentions", counts["mentions"])
    outcomes.add("land", "events", counts["events"])
    return outcomes


def land_dead_letter_batch(settings: Settings, letters: Sequence[DeadLetter]) -> Outcomes:
    outcomes = Outcomes()
    if letters:
        with db.writer(settings.warehouse_path) as con:
            outcomes.add("dead-letters", "landed", land_dead_letters(con, letters))
        for d in letters:
            log.warning("dead letter from %s: %s %s (%s)", d.stage, d.reason, d.source_offset, d.error[:200])
    return outcomes


def refresh_search(settings: Settings) -> Outcomes:
    """Bring the full-text index up to date; done once a landing drain ends, not per batch (~1 s each)."""
    outcomes = Outcomes()
    with db.writer(settings.warehouse_path) as con:
        outcomes.add("search", "indexed", refresh_search_index(con))
    return outcomes
