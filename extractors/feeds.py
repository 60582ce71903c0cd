"""Feed parsing (RSS, Atom, JSON Feed) into FeedEntry records, feed discovery, adaptive poll intervals and
what a poll says about a feed's health."""

from __future__ import annotations

import html as htmllib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml.etree import ParserError

from oversight.extractors.fetch import FetchResult
from oversight.extractors.opml import FeedSource, OPMLError, read_opml, write_opml
from oversight.extractors.urls import article_id, canonical_url, unwrap_redirect
from oversight.schemas.feeds import DueFeed, PollResult
from oversight.schemas.records import FeedEntry
from oversight.schemas.text import clean_text

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json",
                        "application/rdf+xml", "application/json"})
__all__ = ["FeedError", "FeedSource", "OPMLError", "ParsedFeed", "declared_refresh", "discover_feeds", "next_poll_interval",
           "parse_feed", "poll_result", "read_opml", "write_opml"]
SUMMARY_CHARS = 2000


class FeedError(ValueError):
    """A feed that yielded nothing usable; the message names the feed and what to check."""


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title, its entries (capped), the parser's complaint if any, and how often the feed
    says it changes at most (`refresh_s`, from RSS `<ttl>` or `sy:updatePeriod`/`sy:updateFrequency`)."""

    title: str
    entries: list[FeedEntry]
    problem: str | None
    refresh_s: float | None = None


def parse_feed(content: bytes, feed_url: str, *, max_entries: int,
               content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into at most `max_entries` new-link records.

    Entries are kept in feed order (feeds list newest first), de-duplicated by article id.
    A malformed feed still yields the entries that could be read, with `problem` set;
    FeedError is raised only when there is nothing usable at all.
    """
    if _looks_like_json(content, content_type):
        return _parse_json_feed(content, feed_url, max_entries)
    parsed = feedparser.parse(content, response_headers={"content-location": feed_url,
                                                         "content-type": content_type or "application/xml"})
    problem = _bozo_text(parsed) if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.entries:
        why = f" ({problem})" if problem else ""
        raise FeedError(f"{feed_url}: not an RSS, Atom or JSON feed{why}; check the URL, or find the "
                        "site's feed with `oversight feeds add SITE_URL` (feed discovery)")
    entries = _collect(feed_url, max_entries, (_feedparser_entry(e, feed_url) for e in parsed.entries))
    if not entries and problem:
        raise FeedError(f"{feed_url}: malformed feed with no readable entries ({problem})")
    return ParsedFeed(_clean(parsed.feed.get("title", "")), entries, problem, declared_refresh(parsed.feed))


_SY_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0, "monthly": 30 * 86400.0,
               "yearly": 365 * 86400.0}


def declared_refresh(feed: Any) -> float | None:
    """Seconds between changes the feed itself declares: RSS `<ttl>` (minutes) or the syndication module's
    `updatePeriod` / `updateFrequency` (times per period); the longer of the two, None when neither parses."""
    hints = []
    ttl = _small_int(feed.get("ttl"))
    if ttl:
        hints.append(ttl * 60.0)
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower()[:16])
    if period:
        hints.append(period / (_small_int(feed.get("sy_updatefrequency")) or 1))
    return max(hints) if hints else None


def _small_int(value: Any) -> int | None:
    """A positive integer of at most 9 digits written by the feed, else None."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 and int(text) > 0 else None


def _bozo_text(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"


def _collect(feed_url: str, max_entries: int, candidates: Any) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in candidates:
        if entry is None or entry.article_id in seen:
            continue
        seen.add(entry.article_id)
        entries.append(entry)
        if len(entries) >= max_entries:
            break
    return entries


def _feedparser_entry(raw: Any, feed_url: str) -> FeedEntry | None:
    """feedparser's entry dict -> our FeedEntry (None when it has no http(s) link)."""
    link = raw.get("link") or (raw.get("id") if str(raw.get("id", "")).startswith("http") else "")
    published = _struct_to_datetime(raw.get("published_parsed") or raw.get("updated_parsed"))
    summary = raw.get("summary") or ""
    return _entry(feed_url, str(link or ""), raw.get("title", ""), summary, published)


def _entry(feed_url: str, link: str, title: str, summary: str, published: datetime | None) -> FeedEntry | None:
    if not link.strip():
        return None  # urljoin would turn a missing link into the feed's own URL
    link = urljoin(feed_url, link.strip())
    link = unwrap_redirect(link) or link
    if not link.startswith(("http://", "https://")) or link == feed_url:
        return None
    url = canonical_url(link)
    return FeedEntry(article_id=article_id(url), url=url, feed_url=feed_url, title=_clean(title),
                     summary=_clean(summary)[:SUMMARY_CHARS], published=published)


def _clean(text: str) -> str:
    """Feed titles and summaries as plain text: tags dropped, entities decoded, spaces collapsed.

    Tags are dropped by lxml's HTML parser (linear in the text, unlike a tag regex on a run of `<`), and
    again after decoding, because feeds often escape their HTML twice.
    """
    text = clean_text(text or "")
    if "<" in text or "&" in text:
        text = _text_content(text)
        if "<" in text:
            text = _text_content(text)
    return " ".join(text.split())


def _text_content(markup: str) -> str:
    """The text of an HTML fragment, entities decoded, a space where each tag was."""
    try:
        root = lxml.html.document_fromstring(f"<html><body><div>{markup}</div></body></html>")
    except (ParserError, ValueError):
        return htmllib.unescape(markup)
    return " ".join(root.itertext())


def _struct_to_datetime(value: struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _looks_like_json(content: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _parse_json_feed(content: bytes, feed_url: str, max_entries: int) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        doc = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{feed_url}: JSON feed is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError(f"{feed_url}: JSON document is not a JSON Feed (no jsonfeed.org version); check the URL")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError(f"{feed_url}: JSON Feed has no `items` list")
    entries = _collect(feed_url, max_entries, (_json_entry(item, feed_url) for item in items))
    return ParsedFeed(_clean(str(doc.get("title", ""))), entries, None)


def _json_entry(item: Any, feed_url: str) -> FeedEntry | None:
    if not isinstance(item, dict):
        return None
    link = item.get("url") or item.get("external_url") or ""
    if not link and str(item.get("id", "")).startswith("http"):
        link = item["id"]
    summary = item.get("summary") or item.get("content_text") or item.get("content_html") or ""
    published = _iso_datetime(item.get("date_published") or item.get("date_modified"))
    return _entry(feed_url, str(link), str(item.get("title", "")), str(summary), published)


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def discover_feeds(html: str, page_url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate" type="application/rss+xml|atom+xml|feed+json">."""
    try:
        tree = lxml.html.fromstring(html or "<html></html>")
    except (ParserError, ValueError):
        return []
    base = next(iter(tree.xpath("//base/@href")), page_url)
    base = urljoin(page_url, str(base))
    found: list[str] = []
    for link in tree.xpath("//link[@href]"):
        rels = str(link.get("rel", "")).lower().split()
        kind = str(link.get("type", "")).split(";", 1)[0].strip().lower()
        if ("alternate" in rels or "feed" in rels) and kind in FEED_TYPES:
            url = urljoin(base, str(link.get("href")).strip())
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


# --- adaptive polling -------------------------------------------------------------------

MIN_POLL_INTERVAL = 15 * 60.0  # the poll schedule's own period; polling faster gains nothing
MAX_POLL_INTERVAL = 24 * 3600.0  # even a dead feed is looked at once a day
TARGET_NEW_PER_POLL = 3.0


def next_poll_interval(previous: float, new_entries: int, *, consecutive_failures: int = 0,
                       declared: float | None = None, minimum: float = MIN_POLL_INTERVAL,
                       maximum: float = MAX_POLL_INTERVAL) -> float:
    """Seconds until a feed is polled again.

    Busy feeds move towards about TARGET_NEW_PER_POLL new entries per poll (at most
    halving the interval at once), quiet ones back off by half again, and a failing
    feed backs off exponentially with its consecutive failures, always within
    [minimum, maximum], so a feed failing for days is polled daily, not every minute.
    A feed that declares how often it changes (`declared`: its ttl, syndication period or
    HTTP max-age) is not polled more often than that, still within [minimum, maximum].
    """
    if consecutive_failures > 0:
        return min(maximum, minimum * 2.0 ** min(consecutive_failures, 30))
    previous = min(max(previous, minimum), maximum)
    factor = 1.5 if new_entries <= 0 else min(1.5, max(0.5, TARGET_NEW_PER_POLL / new_entries))
    return min(max(previous * factor, minimum, declared or 0.0), maximum)


def poll_result(feed: DueFeed, result: FetchResult, parsed: ParsedFeed | None, new: int,
                failure: tuple[str, str] | None = None) -> PollResult:
    """What one poll says about a feed: its outcome, whether it failed (a fetch that was not ok or not
    modified, a feed that did not parse, or a `failure` (outcome, error) found after parsing), the error or
    the parser's complaint, the validators to send next time (only from an ok answer) and the next interval."""
    ok = failure is None and result.outcome in ("ok", "not_modified") and (
        parsed is not None or result.outcome == "not_modified")
    outcome = result.outcome if result.outcome != "ok" else ("ok" if parsed is not None else "bad_feed")
    outcome = failure[0] if failure else outcome
    error = (failure[1] if failure else result.error) if not ok else (parsed.problem if parsed else None)
    failures = 0 if ok else feed.consecutive_failures + 1
    declared = max((parsed.refresh_s or 0.0) if parsed else 0.0, result.max_age or 0.0) or None
    interval = next_poll_interval(feed.poll_interval_s or MIN_POLL_INTERVAL, new, consecutive_failures=failures,
                                  declared=declared)
    return PollResult(
        feed_url=feed.feed_url, polled_at=datetime.now(UTC), outcome=outcome, status=result.status,
        error=error, failed=not ok, new_entries=new, interval_s=interval,
        etag=result.etag if outcome == "ok" else None,
        last_modified=result.last_modified if outcome == "ok" else None,
        redirected_to=result.permanent_redirect,
    )
