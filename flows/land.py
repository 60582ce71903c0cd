"""Landing glue: near-duplicate marking against a window of recent originals, and the batch's lake writes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType

import duckdb

from oversight.extractors.dedup import DuplicateIndex, mark_duplicates, original_rank
from oversight.flows.outcomes import Outcomes
from oversight.schemas.records import DeadLetter, TaggedArticle
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.loader import land_dead_letters, write_tagged
from oversight.warehouse.search import refresh_search_index
from oversight.warehouse.write_turns import WriteTurns

log = logging.getLogger("oversight.land")


# Rows committed a little out of landed_at order (a transaction's now() is its start) are read twice, not missed.
_OVERLAP = timedelta(minutes=5)


@dataclass
class Lander:
    """What one landing run (a process run's land stage, a land worker's life) keeps between its batches: the
    originals landed in the last `dedup_window_days`, read once at its first batch and topped up at each with
    what other processes landed since, so its cost follows the window, not the warehouse."""

    settings: Settings
    index: DuplicateIndex = field(default_factory=DuplicateIndex)
    seen_upto: datetime | None = None
    turns: WriteTurns = field(init=False)  # several land workers wait for each other instead of conflicting

    def __post_init__(self) -> None:
        self.turns = WriteTurns(self.settings.lake)

    def __enter__(self) -> Lander:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.turns.close()

    def land(self, tagged: Sequence[TaggedArticle]) -> Outcomes:
        """Mark syndicated copies and upsert the batch in one lake transaction (both redone if a commit
        conflicts)."""
        outcomes = Outcomes()
        if not tagged:
            return outcomes

        attempts = 0

        def attempt() -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
            # Inside the transaction: originals are looked up in the snapshot this commit builds on, so when
            # another land worker commits first (a conflict, retried) its articles are seen and copies marked
            # as in one run.
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                self._forget()  # the window holds the failed attempt's originals
            duplicates, promoted = mark_duplicates(self._window(con), tagged)
            return duplicates, promoted, write_tagged(con, tagged, duplicates, promoted)

        with db.writer(self.settings.lake) as con, self.turns.turn():
            try:
                duplicates, promoted, counts = db.transaction(con, attempt, "land")
            except BaseException:
                self._forget()  # the window holds this batch's originals, which did not land
                raise
        outcomes.add("land", "articles", counts["articles"])
        outcomes.add("land", "duplicates", len(duplicates) + len(promoted))
        outcomes.add("land", "mentions", counts["mentions"])
        outcomes.add("land", "events", counts["events"])
        return outcomes

    def _window(self, con: duckdb.DuckDBPyConnection) -> DuplicateIndex:
        since = (self.seen_upto - _OVERLAP if self.seen_upto is not None
                 else datetime.now(UTC) - timedelta(days=self.settings.dedup_window_days))
        for article_id, fp, published, landed_at in con.execute(db.sql("fingerprints"), {"since": since}).fetchall():
            self.index.add(article_id, fp, original_rank(published, article_id))
            self.seen_upto = max(self.seen_upto or landed_at, landed_at)
        self.seen_upto = self.seen_upto or since
        return self.index

    def _forget(self) -> None:
        self.index, self.seen_upto = DuplicateIndex(), None


def land_batch(settings: Settings, tagged: Sequence[TaggedArticle], lander: Lander | None = None) -> Outcomes:
    """Land one batch, with the run's Lander when there is one (a one-off's reads the window afresh)."""
    if lander is not None:
        return lander.land(tagged)
    with Lander(settings) as one_off:
        return one_off.land(tagged)


def land_dead_letter_batch(settings: Settings, letters: Sequence[DeadLetter]) -> Outcomes:
    outcomes = Outcomes()
    if letters:
        with db.writer(settings.lake) as con:
            outcomes.add("dead-letters", "landed", land_dead_letters(con, letters))
        for d in letters:
            log.warning("dead letter from %s: %s %s (%s)", d.stage, d.reason, d.source_offset, d.error[:200])
    return outcomes


def refresh_search(settings: Settings) -> Outcomes:
    """Bring the full-text index up to date; done once a landing drain ends, not per batch (~1 s each)."""
    outcomes = Outcomes()
    outcomes.add("search", "indexed", refresh_search_index(settings.lake))
    return outcomes
