"""Replay: send chosen dead letters from the warehouse back to the topic they came from.

The payload goes back as it was recorded (its UTF-8 text, with the original key), so a message whose
cause was fixed (code, settings or the payload row itself) runs through its stage again. Landing is
idempotent, so replaying a letter twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from oversight.flows.bus import Bus
from oversight.schemas import topics
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.dead_letters import Letter, choose, mark_replayed

log = logging.getLogger("oversight.replay")

@dataclass
class ReplayReport:
    """What happened to each chosen letter: replayed, not replayable (with why), or not found."""

    replayed: list[Letter] = field(default_factory=list)
    not_replayable: list[tuple[Letter, str]] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)


def replay(settings: Settings, bus: Bus, ids: Sequence[str] = (), reason: str | None = None,
           stage: str | None = None, everything: bool = False, dry_run: bool = False,
           failed_before: datetime | None = None) -> ReplayReport:
    """Produce the chosen letters to their source topics, then mark them replayed in the warehouse."""
    report = ReplayReport()
    with db.writer(settings.lake) as con:
        letters = choose(con, ids, reason, stage, everything, failed_before)
        found = {letter.dead_letter_id for letter in letters}
        report.not_found = [i for i in ids if i not in found]
        for letter in letters:
            why = _why_not_replayable(letter)
            if why:
                report.not_replayable.append((letter, why))
            else:
                report.replayed.append(letter)
        if dry_run or not report.replayed:
            return report
        for topic in sorted({letter.source_topic for letter in report.replayed}):
            batch = [letter for letter in report.replayed if letter.source_topic == topic]
            bus.produce(topic, [(letter.key, letter.payload.encode("utf-8")) for letter in batch])
            log.info("replayed %d dead letter(s) to %s", len(batch), topic)
        # Marked only after the bus has them: a crash in between replays them again, which is safe.
        mark_replayed(con, [letter.dead_letter_id for letter in report.replayed])
    return report


# Pages a polite fetch put off (a host's long Crawl-delay, a 429 or Retry-After): each process run sends them
# back to the entries once they have waited OVERSIGHT_DEFER_MINUTES, so they come back on their own.
DEFERRED_REASONS = ("deferred", "http_429")


def requeue_deferred(settings: Settings, bus: Bus) -> int:
    """Re-queue the extract stage's deferred pages that have waited long enough; return how many."""
    not_before = datetime.now(UTC) - timedelta(minutes=settings.defer_minutes)
    return sum(len(replay(settings, bus, reason=reason, stage="extract", failed_before=not_before).replayed)
               for reason in DEFERRED_REASONS)


def _why_not_replayable(letter: Letter) -> str | None:
    if letter.source_topic not in topics.ALL_TOPICS or letter.source_topic == topics.DEAD_LETTERS:
        return (f"its source {letter.source_topic!r} is not a bus topic (a bad feed or page is retried by "
                "the next poll, not by replay)")
    if not letter.payload:
        return "it has no payload to send"
    return None
