"""Polite, bounded, safe HTTP fetching of feeds and pages; every fetch ends in one outcome label."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from oversight.extractors.aggregators import (
    GoogleNewsLink,
    batchexecute_body,
    decoding_params,
    google_news_link,
    publisher_url,
)
from oversight.extractors.httpbody import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    BodyUndecodable,
    decode_text,
    read_capped,
)
from oversight.extractors.netsafety import AddressPolicy, IPAddress, PinnedBackend, PinnedTransport, resolve
from oversight.extractors.robots import RobotsCache, RobotsStore
from oversight.schemas.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_REDIRECTS = 10
MAX_RETRY_WAIT = 30.0  # the longest backoff between retries
# A host that asks for a longer pause than this (Retry-After, Crawl-delay) is deferred for the rest of the run (the stage run shares one Fetcher):
# its pages get `deferred` (transient: a dead letter `oversight replay` re-queues) instead of holding the batch.
MAX_HOST_WAIT = 5.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAGE_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# Outcomes whose input is bad in itself (dead letter), and those worth retrying later.
BAD_INPUT = frozenset({"not_html", "not_feed", "too_large", "bad_url", "blocked_private", "decode_error",
                       "too_many_redirects", "bad_redirect", "fetch_error", "aggregator_unresolved"})
TRANSIENT = frozenset({"timeout", "network_error", "http_5xx", "http_429", "deferred"})


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced; `outcome` is its label (`ok`, `not_modified`, `http_404`, ...)."""

    url: str
    final_url: str
    outcome: str
    status: int | None = None
    content: bytes = b""
    text: str | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    max_age: float | None = None  # Cache-Control max-age of the answer, when it allows caching
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def bad_input(self) -> bool:
        """The input itself is bad (dead letter): not HTML, too large, refused address, undecodable."""
        return self.outcome in BAD_INPUT

    @property
    def transient(self) -> bool:
        """Worth trying again later: timeouts, network errors, 5xx and 429 after the retries here."""
        return self.outcome in TRANSIENT


class _Stop(Exception):
    """Ends a fetch early with an outcome label and a message for the user."""

    def __init__(self, outcome: str, error: str, status: int | None = None) -> None:
        super().__init__(error)
        self.outcome, self.error, self.status = outcome, error, status
        self.final_url: str | None = None


class Fetcher:
    """Fetches with a global concurrency limit, per-host spacing, robots.txt and address checks."""

    def __init__(self, settings: Settings, robots_store: RobotsStore | None = None) -> None:
        self._settings = settings
        self._policy = AddressPolicy.from_settings(settings.allow_private_networks, settings.allowed_networks)
        self._pins = PinnedBackend()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout, pool=None),
            follow_redirects=False,  # redirects are followed by hand, to re-check every hop's address
            trust_env=False,  # an environment proxy would hide the real address from the checks
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            transport=PinnedTransport(self._pins, httpx.Limits(max_connections=settings.fetch_concurrency)),
        )
        self._resolved: dict[str, list[IPAddress]] = {}
        self._slots = asyncio.Semaphore(settings.fetch_concurrency)
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._host_next: dict[str, float] = {}
        self._deferred: dict[str, str] = {}  # host -> why it is not asked again in this run
        self._robots = RobotsCache(settings.user_agent, self._fetch_robots, robots_store)
        # A slow drip of bytes resets the read timeout forever; this bounds a whole response.
        self._hop_deadline = settings.connect_timeout + 3 * settings.read_timeout

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def robots_fetched(self) -> list[str]:
        """The origins whose robots.txt this fetcher fetched over HTTP (not from the store)."""
        return self._robots.fetched

    async def fetch_page(self, url: str) -> FetchResult:
        """GET an article page; `text` is the decoded HTML."""
        return await self._fetch(url, "page", {"Accept": PAGE_ACCEPT})

    async def fetch_article(self, url: str) -> FetchResult:
        """GET the article a feed entry links to: an aggregator link (Google News) is resolved to the
        publisher's URL first, and the result's `final_url` is the publisher's page, never Google's."""
        link = google_news_link(url, self._settings.google_news_origin)
        if link is None:
            return await self.fetch_page(url)
        started = time.monotonic()
        target = await self._resolve_google_news(url, link)
        if isinstance(target, FetchResult):
            return replace(target, elapsed=time.monotonic() - started)
        page = await self.fetch_page(target)
        return replace(page, url=url, elapsed=time.monotonic() - started)

    async def _resolve_google_news(self, url: str, link: GoogleNewsLink) -> str | FetchResult:
        """The publisher URL behind a Google News link (its article page, then the batchexecute call)."""
        page = await self.fetch_page(link.params_page)
        if not page.ok:
            return replace(page, url=url, final_url=url, outcome="aggregator_unresolved" if page.bad_input
                           else page.outcome, error=f"{url}: Google News article page: {page.error}")
        params = decoding_params(page.text or "")
        if params is None:
            return FetchResult(url, url, "aggregator_unresolved", status=page.status,
                               error=f"{url}: Google News answered without the link's signature")
        answer = await self.post_form(link.batchexecute_url, batchexecute_body(link, *params))
        if not answer.ok:
            return replace(answer, url=url, final_url=url, outcome="aggregator_unresolved" if answer.bad_input
                           else answer.outcome, error=f"{url}: Google News lookup: {answer.error}")
        target = publisher_url(answer.content.decode("utf-8", "replace"), link.origin)
        if target is None:
            return FetchResult(url, url, "aggregator_unresolved", status=answer.status,
                               error=f"{url}: Google News named no publisher URL for this link")
        return target

    async def post_form(self, url: str, body: bytes) -> FetchResult:
        """POST a form to an aggregator's lookup endpoint: the address policy, per-host spacing, retries and
        caps of any fetch, no redirects, and no robots.txt check (it is the page's own call, not a crawl)."""
        started = time.monotonic()
        headers = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", "Accept": "*/*"}
        try:
            host = await self._check(url, "api")
            response = await self._send_with_retries(url, host, headers, body)
            try:
                result = await self._finish(url, url, response, "api", None)
            finally:
                await self._close(response)
        except _Stop as stop:
            result = FetchResult(url, url, stop.outcome, status=stop.status, error=f"{url}: {stop.error}")
        return replace(result, elapsed=time.monotonic() - started)

    async def fetch_feed(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Conditional GET of a feed; `not_modified` when the server says nothing changed."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._fetch(url, "feed", headers)

    async def _fetch(self, url: str, kind: str, headers: dict[str, str]) -> FetchResult:
        started = time.monotonic()
        try:
            result = await self._follow(url, kind, headers)
        except _Stop as stop:
            result = FetchResult(url, stop.final_url or url, stop.outcome, status=stop.status,
                                 error=f"{url}: {stop.error}")
        except Exception as exc:  # noqa: BLE001 - one URL's surprise is its own outcome, never the batch's
            log.exception("fetching %s failed unexpectedly", url)
            result = FetchResult(url, url, "fetch_error", error=f"{url}: unexpected {type(exc).__name__}: {exc}")
        return replace(result, elapsed=time.monotonic() - started)

    async def _follow(self, url: str, kind: str, headers: dict[str, str]) -> FetchResult:
        current, permanent = url, None
        all_permanent = True
        for _ in range(MAX_REDIRECTS + 1):
            try:
                host = await self._check(current, kind)
                response = await self._send_with_retries(current, host, headers)
            except _Stop as stop:
                stop.final_url = current
                if current != url and stop.outcome == "bad_url":
                    stop.outcome, stop.error = "bad_redirect", f"redirected to a bad URL: {stop.error}"
                raise
            try:
                location = response.headers.get("location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    all_permanent = all_permanent and response.status_code in (301, 308)
                    current = urljoin(current, location.strip())
                    permanent = current if all_permanent else permanent
                    continue
                return await self._finish(url, current, response, kind, permanent)
            finally:
                await self._close(response)
        too_many = _Stop("too_many_redirects", f"more than {MAX_REDIRECTS} redirects (last: {current})")
        too_many.final_url = current
        raise too_many

    async def _check(self, url: str, kind: str) -> str:
        """Scheme, address and robots.txt checks for one hop; returns the host, now pinned to a checked address."""
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise _Stop("bad_url", f"invalid port in {url!r}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Stop("bad_url", f"only absolute http(s) URLs are fetched, not {url!r}")
        try:
            httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise _Stop("bad_url", f"{url!r} is not a valid URL ({exc})") from exc
        host = parts.hostname
        addresses = await self._resolve(host, port)
        refusal = self._policy.refusal(host, addresses)
        if refusal is not None:
            raise _Stop("blocked_private", refusal)
        self._pins.pin(host, str(addresses[0]))
        if self._settings.respect_robots and kind not in ("robots", "api"):
            allowed, problem = await self._robots.allowed(url)
            if problem is not None:
                raise _Stop(problem.outcome or "network_error", f"robots.txt unavailable: {problem.error}")
            if not allowed:
                raise _Stop("blocked_robots", "disallowed by the site's robots.txt "
                            "(set OVERSIGHT_RESPECT_ROBOTS=false only for sites you have permission to crawl)")
        return host

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        """Resolve once per fetcher (one run): hosts repeat across a batch, answers rarely change."""
        key = f"{host}:{port}"
        if key not in self._resolved:
            try:
                self._resolved[key] = await resolve(host, port, self._settings.connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise _Stop("network_error", f"could not resolve host {host} ({exc}); check the network "
                            "connection and the URL") from exc
        return self._resolved[key]

    async def _send_with_retries(self, url: str, host: str, headers: dict[str, str],
                                 body: bytes | None = None) -> httpx.Response:
        attempts = self._settings.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._send(url, host, headers, body)
            except _Stop as stop:
                if last or stop.outcome not in ("timeout", "network_error"):
                    raise
                await asyncio.sleep(_backoff(attempt))
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            wait = _retry_after(response.headers.get("retry-after"), attempt)
            why = f"HTTP {response.status_code}, Retry-After {wait:.0f}s"
            if response.status_code == 429 and (last or wait > MAX_HOST_WAIT):
                self._deferred[host] = why  # its other pages in this run are not asked for
            if last:
                return response
            await self._close(response)
            if wait > MAX_HOST_WAIT:
                raise _Stop(_status_outcome(response.status_code), f"{why}: the host is deferred to a later run "
                            "(`oversight replay`), not waited on", response.status_code)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _send(self, url: str, host: str, headers: dict[str, str], body: bytes | None = None) -> httpx.Response:
        """One request; the transport connects only to the address checked for `host`.

        A concurrency slot is taken after the per-host wait (so one slow host does not
        hold them all) and kept until `_close`, so bodies being read count too.
        """
        await self._wait_turn(host)
        request = self._client.build_request("GET" if body is None else "POST", url, headers=headers, content=body)
        await self._slots.acquire()
        try:
            async with asyncio.timeout(self._hop_deadline):
                return await self._client.send(request, stream=True)
        except (httpx.TimeoutException, TimeoutError) as exc:
            self._slots.release()
            raise _Stop("timeout", f"timed out ({type(exc).__name__}); the site may be slow or down") from exc
        except httpx.TransportError as exc:
            self._slots.release()
            raise _Stop("network_error", f"{type(exc).__name__}: {exc or 'connection failed'}") from exc
        except httpx.InvalidURL as exc:  # httpx builds the next request from Location even when not following
            self._slots.release()
            raise _Stop("bad_redirect", f"the answer's Location header is not a valid URL ({exc})") from exc
        except BaseException:
            self._slots.release()
            raise

    async def _close(self, response: httpx.Response) -> None:
        """Close a response from `_send` and give back its concurrency slot."""
        try:
            await response.aclose()
        finally:
            self._slots.release()

    async def _wait_turn(self, host: str) -> None:
        """Space requests to one host by the per-host interval (or the site's Crawl-delay); a host whose turn is
        over MAX_HOST_WAIT away (or that answered 429) is deferred instead, so it never holds the batch."""
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            if host in self._deferred:
                raise _Stop("deferred", f"host {host} is deferred for this run ({self._deferred[host]})")
            wait = self._host_next.get(host, 0.0) - time.monotonic()
            if wait > MAX_HOST_WAIT:
                self._deferred[host] = f"its next request is {wait:.0f}s away (Crawl-delay)"
                raise _Stop("deferred", f"host {host} asks for {wait:.0f}s between requests (Crawl-delay); "
                            "deferred to a later run (`oversight replay`), not waited on")
            if wait > 0:
                await asyncio.sleep(wait)
                if host in self._deferred:  # it answered 429 to the request before this one meanwhile
                    raise _Stop("deferred", f"host {host} is deferred for this run ({self._deferred[host]})")
            interval = max(self._settings.per_host_interval, self._robots.crawl_delay(host))
            self._host_next[host] = time.monotonic() + interval

    async def _finish(self, url: str, final: str, response: httpx.Response, kind: str,
                      permanent: str | None) -> FetchResult:
        status = response.status_code
        base = FetchResult(url, final, "ok", status=status, content_type=response.headers.get("content-type"),
                           etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
                           permanent_redirect=permanent, max_age=cache_max_age(response.headers.get("cache-control")))
        if status == 304:
            return replace(base, outcome="not_modified")
        if status >= 300:
            outcome = _status_outcome(status)
            return replace(base, outcome=outcome, error=f"{url}: HTTP {status} from {final}")
        content_problem = _content_type_problem(base.content_type, kind)
        if content_problem is not None:
            return replace(base, outcome=content_problem[0], error=f"{url}: {content_problem[1]}")
        try:
            content = await self._read_body(response)
            text = decode_text(content, base.content_type) if kind == "page" else None
        except BodyTooLarge as exc:
            return replace(base, outcome="too_large", error=f"{url}: {exc} (OVERSIGHT_MAX_PAGE_BYTES)")
        except BodyUndecodable as exc:
            return replace(base, outcome="decode_error", error=f"{url}: {exc}")
        if kind == "page" and base.content_type is None and not _looks_like_html(text or ""):
            return replace(base, outcome="not_html", error=f"{url}: no Content-Type and the body is not HTML")
        return replace(base, content=content, text=text)

    async def _read_body(self, response: httpx.Response) -> bytes:
        cap = self._settings.max_page_bytes
        declared = response.headers.get("content-length", "")
        # Compressed or not, a body whose declared length is over the cap cannot fit under it.
        if declared.isdigit() and int(declared) > cap:
            raise BodyTooLarge(f"Content-Length {declared} is over the cap of {cap} bytes")
        try:
            async with asyncio.timeout(self._hop_deadline):
                return await read_capped(response.aiter_raw(), response.headers.get("content-encoding", ""), cap)
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise _Stop("timeout", "timed out reading the body; the site may be slow") from exc
        except httpx.TransportError as exc:
            raise _Stop("network_error", f"connection broke while reading the body: {exc}") from exc

    async def _fetch_robots(self, robots_url: str) -> FetchResult:
        result = await self._fetch(robots_url, "robots", {"Accept": "text/plain"})
        if result.ok:
            return replace(result, text=result.content.decode("utf-8", errors="replace"))
        return result


def cache_max_age(value: str | None) -> float | None:
    """Seconds from `Cache-Control: max-age=N` (None with no-store / no-cache, or none given)."""
    directives = {d.strip().lower().partition("=")[0]: d.strip().partition("=")[2]
                  for d in (value or "")[:1024].split(",")}
    if "no-store" in directives or "no-cache" in directives:
        return None
    age = directives.get("max-age", "").strip('"')
    return float(age) if age.isdigit() and len(age) <= 9 else None


def _status_outcome(status: int) -> str:
    if status in (404, 410):
        return "http_404"
    if status == 429:
        return "http_429"
    if status >= 500:
        return "http_5xx"
    if 300 <= status < 400:
        return "bad_redirect"
    return "http_4xx"


def _content_type_problem(content_type: str | None, kind: str) -> tuple[str, str] | None:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if not mime or kind == "robots":
        return None
    if kind == "page" and mime not in PAGE_TYPES:
        return "not_html", f"content type {mime} is not an HTML page"
    if kind == "feed" and mime.split("/", 1)[0] in ("image", "audio", "video", "font"):
        return "not_feed", f"content type {mime} cannot be a feed"
    return None


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head or "<head" in head


def _backoff(attempt: int) -> float:
    return float(min(MAX_RETRY_WAIT, 0.5 * 2**attempt))


def _retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), else exponential backoff."""
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return _backoff(attempt)
        return max(0.0, when.timestamp() - time.time())
    return _backoff(attempt)


def fetch_pages(settings: Settings, urls: list[str]) -> list[FetchResult]:
    """Fetch pages concurrently from synchronous code; results are in the order of `urls`."""
    return asyncio.run(_fetch_all(settings, [(url, None, None) for url in urls], "page"))


def fetch_feeds(settings: Settings, feeds: list[tuple[str, str | None, str | None]]) -> list[FetchResult]:
    """Conditional GETs of (url, etag, last_modified) feeds from synchronous code, in order."""
    return asyncio.run(_fetch_all(settings, feeds, "feed"))


async def _fetch_all(settings: Settings, items: list[tuple[str, str | None, str | None]],
                     kind: str) -> list[FetchResult]:
    async with Fetcher(settings) as fetcher:
        if kind == "page":
            jobs = [fetcher.fetch_article(url) for url, _, _ in items]
        else:
            jobs = [fetcher.fetch_feed(url, etag, modified) for url, etag, modified in items]
        return list(await asyncio.gather(*jobs))


class FetchSession:
    """One Fetcher for a whole stage run (a worker's life or a bounded run): its own event loop on a thread,
    so every batch shares one HTTP client (connections reused), the per-host clocks and the robots cache,
    and several batches can be fetched at once: a busy or slow host holds only its own pages."""

    def __init__(self, settings: Settings, robots_store: RobotsStore | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fetch-loop", daemon=True)
        self._thread.start()
        self._store = robots_store
        self.fetcher: Fetcher = self._call(self._open(settings, robots_store)).result()

    @staticmethod
    async def _open(settings: Settings, robots_store: RobotsStore | None) -> Fetcher:
        return Fetcher(settings, robots_store)  # made on the loop that will use it

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def fetch_articles(self, urls: Sequence[str]) -> concurrent.futures.Future[list[FetchResult]]:
        """Start fetching the articles of `urls` (aggregator links resolved); the future keeps their order."""
        async def gather() -> list[FetchResult]:
            return list(await asyncio.gather(*(self.fetcher.fetch_article(u) for u in urls)))

        return self._call(gather())

    def close(self) -> None:
        try:
            self._call(self.fetcher.aclose()).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            if self._store is not None:
                self._store.close()

    def __enter__(self) -> FetchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
