"""The feed registry's records between the warehouse, which stores them, and the poll rule in
extractors/feeds.py, which decides a feed's health and next poll from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DueFeed:
    """A feed whose poll time has come, with its conditional-GET validators and history."""

    feed_url: str
    fetch_url: str
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    poll_interval_s: float | None
    last_new_entry_at: datetime | None


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed found, to be written back to the feeds table."""

    feed_url: str
    polled_at: datetime
    outcome: str
    status: int | None
    error: str | None
    failed: bool
    new_entries: int
    interval_s: float
    etag: str | None = None
    last_modified: str | None = None
    redirected_to: str | None = None
