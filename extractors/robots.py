"""robots.txt per site, fetched once per fetcher and obeyed (RFC 9309 semantics, parsed by protego)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

if TYPE_CHECKING:
    from extractors.fetch import FetchResult

MAX_CRAWL_DELAY = 30.0  # a site asking for minutes between requests still gets polled each run


class RobotsCache:
    """Answers "may this user agent fetch this URL?", fetching each origin's robots.txt once."""

    def __init__(self, user_agent: str, fetch: Callable[[str], Awaitable[FetchResult]]) -> None:
        self._user_agent = user_agent
        self._fetch = fetch
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
                result = await self._fetch(origin + "/robots.txt")
                if result.transient:
                    return False, result
                self._rules[origin] = self._parse(parts.hostname or "", result)
        rules = self._rules[origin]
        return (rules is None or bool(rules.can_fetch(url, self._user_agent))), None

    def crawl_delay(self, host: str) -> float:
        """The site's Crawl-delay for us in seconds (0 when none), capped."""
        return self._delays.get(host, 0.0)

    def _parse(self, host: str, result: FetchResult) -> Protego | None:
        if not result.ok or result.text is None:
            return None
        rules = Protego.parse(result.text)
        delay = rules.crawl_delay(self._user_agent)
        if delay:
            self._delays[host] = min(float(delay), MAX_CRAWL_DELAY)
        return rules
