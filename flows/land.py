"""Landing glue: near-duplicate marking and lock-tolerant warehouse writes for a batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
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


def original_rank(published: datetime | None, article_id: str) -> str:
    """Sort key of an article among its syndicated copies: earliest publication, then smallest id."""
    return f"{published.astimezone(UTC).isoformat() if published else '9999'}|{article_id}"


def _duplicate_index(path: Path) -> DuplicateIndex:
    if path not in _INDEXES:
        index = DuplicateIndex()
        with db.writer(path) as con:
            for article_id, fp, published in con.execute(db.sql("fingerprints")).fetchall():
                index.add(article_id, fp, original_rank(published, article_id))
        _INDEXES[path] = index
    return _INDEXES[path]


def mark_duplicates(index: DuplicateIndex, tagged: Sequence[TaggedArticle]) -> tuple[dict[str, str], dict[str, str]]:
    """(copy -> original) for the batch, and (old original -> new original) where an earlier story arrived late."""
    duplicates: dict[str, str] = {}
    promoted: dict[str, str] = {}
    for t in sorted(tagged, key=lambda t: original_rank(t.article.published, t.article.article_id)):
        aid, fp = t.article.article_id, t.article.fingerprint
        if not fp:
            continue
        rank = original_rank(t.article.published, aid)
        original = index.find(fp)
        if original is None or original == aid:
            index.add(aid, fp, rank)
        elif rank < index.rank(original):
            index.add(aid, fp, rank)
            promoted[original] = aid
        else:
            duplicates[aid] = original
    return duplicates, promoted


def land_batch(settings: Settings, tagged: Sequence[TaggedArticle]) -> Outcomes:
    """Mark syndicated copies, then upsert the batch; a locked warehouse is waited out, not failed."""
    outcomes = Outcomes()
    if not tagged:
        return outcomes
    duplicates, promoted = mark_duplicates(_duplicate_index(settings.warehouse_path), tagged)
    with db.writer(settings.warehouse_path) as con:
        counts = land_tagged(con, tagged, duplicates, promoted)
    outcomes.add("land", "articles", counts["articles"])
    outcomes.add("land", "duplicates", len(duplicates) + len(promoted))
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
