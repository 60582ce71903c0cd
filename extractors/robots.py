"""robots.txt per site, fetched once per fetcher (or once a day with a store) and obeyed (RFC 9309, protego)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

if TYPE_CHECKING:
    from oversight.extractors.fetch import FetchResult

MAX_CRAWL_DELAY = 30.0  # a site asking for minutes between requests still gets polled each run
# RFC 9309 2.4: a cached robots.txt SHOULD NOT be used for more than 24 hours (unless the site is unreachable).
MAX_CACHE_SECONDS = 24 * 3600.0
MAX_STORED_BYTES = 512 * 1024  # RFC 9309 2.5: crawlers parse at least 500 KiB; more is not kept


class RobotsStore:
    """robots.txt answers kept between runs in a small SQLite file (under OVERSIGHT_HOME), each until its
    HTTP max-age or MAX_CACHE_SECONDS, whichever is sooner; a stale copy stands in while the site is down."""

    def __init__(self, path: Path, max_age_s: float = MAX_CACHE_SECONDS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS robots (origin TEXT PRIMARY KEY, body TEXT, "
                          "fetched_at REAL NOT NULL, expires_at REAL NOT NULL)")
        self._max_age = max_age_s

    def get(self, origin: str, stale_ok: bool = False) -> tuple[str | None] | None:
        """(body,) of a fresh copy (body None: no usable robots.txt, everything allowed), else None."""
        row = self._con.execute("SELECT body, expires_at FROM robots WHERE origin = ?", (origin,)).fetchone()
        if row is None or (row[1] < time.time() and not stale_ok):
            return None
        return (row[0],)

    def put(self, origin: str, body: str | None, max_age: float | None) -> None:
        keep = self._max_age if max_age is None else min(max_age, self._max_age)
        now = time.time()
        self._con.execute("INSERT OR REPLACE INTO robots VALUES (?, ?, ?, ?)",
                          (origin, None if body is None else body[:MAX_STORED_BYTES], now, now + keep))

    def close(self) -> None:
        self._con.close()


class RobotsCache:
    """Answers "may this user agent fetch this URL?", fetching each origin's robots.txt once."""

    def __init__(self, user_agent: str, fetch: Callable[[str], Awaitable[FetchResult]],
                 store: RobotsStore | None = None) -> None:
        self._user_agent = user_agent
        self._fetch = fetch
        self._store = store
        self._fetched: list[str] = []  # origins whose robots.txt this cache fetched (not read from the store)
        self._rules: dict[str, Protego | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._delays: dict[str, float] = {}

    async def allowed(self, url: str) -> tuple[bool, FetchResult | None]:
        """(allowed, problem): problem is the failed robots.txt fetch when it was transient.

        A missing robots.txt (any 4xx, or an unusable file) allows everything; an
        unreachable one (timeout, network, 5xx) is not cached and reported, so the page
        counts as a transient failure rather than being fetched or dropped for good.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._rules:
                problem = await self._load(origin, parts.hostname or "")
                if problem is not None:
                    return False, problem
        rules = self._rules[origin]
        return (rules is None or bool(rules.can_fetch(url, self._user_agent))), None

    @property
    def fetched(self) -> list[str]:
        """The origins whose robots.txt was fetched over HTTP by this cache, in order."""
        return list(self._fetched)

    async def _load(self, origin: str, host: str) -> FetchResult | None:
        stored = self._store.get(origin) if self._store else None
        if stored is not None:
            self._rules[origin] = self._rules_of(host, stored[0])
            return None
        result = await self._fetch(origin + "/robots.txt")
        self._fetched.append(origin)
        if result.transient:
            stale = self._store.get(origin, stale_ok=True) if self._store else None
            if stale is None:
                return result
            self._rules[origin] = self._rules_of(host, stale[0])
            return None
        body = result.text if result.ok else None
        self._rules[origin] = self._rules_of(host, body)
        if self._store:
            self._store.put(origin, body, result.max_age)
        return None

    def crawl_delay(self, host: str) -> float:
        """The site's Crawl-delay for us in seconds (0 when none), capped."""
        return self._delays.get(host, 0.0)

    def _rules_of(self, host: str, body: str | None) -> Protego | None:
        if body is None:
            return None
        rules = Protego.parse(body)
        delay = rules.crawl_delay(self._user_agent)
        if delay:
            self._delays[host] = min(float(delay), MAX_CRAWL_DELAY)
        return rules
