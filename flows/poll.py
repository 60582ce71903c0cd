"""The poll stage: conditional GET of due feeds, parse, drop seen entries, queue the new ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from oversight.extractors.feeds import FeedError, ParsedFeed, parse_feed, poll_result
from oversight.extractors.fetch import FetchResult, fetch_feeds
from oversight.extractors.opml import read_opml
from oversight.flows.bus import Bus
from oversight.flows.cpu import ItemTimeout, time_budget
from oversight.flows.outcomes import Outcomes
from oversight.schemas import topics
from oversight.schemas.feeds import DueFeed
from oversight.schemas.records import DeadLetter, FeedEntry, encode, record_key
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.feeds import FeedRow, due_feeds, record_poll, register_feeds, unseen_entries

log = logging.getLogger("oversight.poll")


def import_feed_file(settings: Settings, path: Path) -> int:
    """Register every feed of an OPML file in the warehouse; return how many it lists."""
    sources = read_opml(path)
    with db.writer(settings.lake) as con:
        return register_feeds(con, [FeedRow(s.url, s.title, s.html_url, s.category) for s in sources])


def poll_stage(settings: Settings, bus: Bus, only: Sequence[str] | None = None, force: bool = False) -> Outcomes:
    """Poll due feeds (or just `only`), queue unseen entries on the bus, record feed health."""
    outcomes = Outcomes()
    with db.writer(settings.lake) as con:
        due = due_feeds(con, only, force)
    log.info("polling %d feed(s)", len(due))
    fetched = fetch_feeds(settings, [(f.fetch_url, f.etag, f.last_modified) for f in due])
    entries: list[FeedEntry] = []
    parsed: dict[str, ParsedFeed | None] = {}
    failed: dict[str, tuple[str, str]] = {}  # feed URL -> (outcome, error) of a fetched feed that failed here
    dead: list[DeadLetter] = []
    for feed, result in zip(due, fetched, strict=True):
        feed_parsed = parsed[feed.feed_url] = _parse(settings, feed, result, dead, failed)
        entries.extend(feed_parsed.entries if feed_parsed else [])
    with db.writer(settings.lake) as con:
        new = unseen_entries(con, entries)
    messages = _encode_entries(new, {f.feed_url: f for f in due}, dead, failed)
    bus.produce(topics.ENTRIES, messages)
    bus.produce(topics.DEAD_LETTERS, [(record_key(d), encode(d)) for d in dead])
    new_per_feed = _count_by_feed(new)
    results = [poll_result(f, r, parsed[f.feed_url], new_per_feed.get(f.feed_url, 0), failed.get(f.feed_url))
               for f, r in zip(due, fetched, strict=True)]
    with db.writer(settings.lake) as con:
        record_poll(con, results, new)
    for res in results:
        outcomes.add("feeds", res.outcome)
    outcomes.add("entries", "new", len(new))
    outcomes.add("entries", "seen", len(entries) - len(new))
    return outcomes


def _parse(settings: Settings, feed: DueFeed, result: FetchResult, dead: list[DeadLetter],
           failed: dict[str, tuple[str, str]]) -> ParsedFeed | None:
    """The feed's entries, or None; a feed that fails in any way is logged, dead-lettered when it is bad
    input, and recorded in `failed`, so one feed never stops the others."""
    if result.outcome != "ok":
        level = logging.INFO if result.outcome == "not_modified" else logging.WARNING
        log.log(level, "feed %s: %s%s", feed.fetch_url, result.outcome, f" ({result.error})" if result.error else "")
        if result.bad_input:
            dead.append(_feed_dead_letter(feed, result.outcome, result.error or "", b""))
        return None
    try:
        with time_budget(settings.item_time_budget):
            parsed = parse_feed(result.content, feed.feed_url, max_entries=settings.entries_per_feed,
                                content_type=result.content_type)
    except Exception as exc:  # noqa: BLE001 - FeedError is the expected kind; anything else is this feed's too
        reason = {FeedError: "bad_feed", ItemTimeout: "timeout"}.get(type(exc), "parse_error")
        error = str(exc) if isinstance(exc, FeedError) else f"{feed.fetch_url}: {type(exc).__name__}: {exc}"
        log.warning("feed %s: %s (%s)", feed.fetch_url, reason, error)
        dead.append(_feed_dead_letter(feed, reason, error, result.content))
        failed[feed.feed_url] = (reason, error)
        return None
    if parsed.problem:
        log.warning("feed %s is malformed but usable (%d entries): %s", feed.fetch_url, len(parsed.entries),
                    parsed.problem)
    return parsed


def _encode_entries(entries: Sequence[FeedEntry], feeds: dict[str, DueFeed], dead: list[DeadLetter],
                    failed: dict[str, tuple[str, str]]) -> list[tuple[str, bytes]]:
    """Each entry as a bus message; one that cannot be encoded is its feed's dead letter, not the run's end."""
    messages = []
    for entry in entries:
        try:
            messages.append((entry.article_id, encode(entry)))
        except (ValueError, TypeError) as exc:  # UnicodeEncodeError is a ValueError
            feed = feeds[entry.feed_url]
            error = f"{feed.fetch_url}: entry {entry.url!r} cannot be encoded ({type(exc).__name__}: {exc})"
            log.warning("feed %s: bad_entry (%s)", feed.fetch_url, error)
            dead.append(_feed_dead_letter(feed, "bad_entry", error, repr(entry).encode()))
            failed.setdefault(entry.feed_url, ("bad_entry", error))
    return messages


def _feed_dead_letter(feed: DueFeed, reason: str, error: str, content: bytes) -> DeadLetter:
    payload = content[:65536].decode("utf-8", errors="replace")
    return DeadLetter.of("poll", "feeds", feed.feed_url, reason, error, payload, feed.fetch_url,
                         identity=("poll", feed.feed_url, reason, payload))


def _count_by_feed(entries: Sequence[FeedEntry]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.feed_url] = counts.get(e.feed_url, 0) + 1
    return counts
