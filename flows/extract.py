"""Extraction glue: fetch a batch of entries concurrently, extract text on every core, build Articles."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from oversight.extractors.article import ExtractedPage, extract_page
from oversight.extractors.dedup import fingerprint
from oversight.extractors.fetch import FetchResult, FetchSession
from oversight.extractors.robots import RobotsStore
from oversight.extractors.urls import choose_article_url
from oversight.flows.cpu import ItemTimeout, Pending, map_chunks, submit_chunks, time_budget
from oversight.flows.outcomes import Outcomes
from oversight.flows.stages import entry_dead_letter
from oversight.schemas.records import Article, DeadLetter, FeedEntry
from oversight.schemas.settings import Settings

log = logging.getLogger("oversight.extract")
T = TypeVar("T")
# Extraction outcomes that are the page's fault (a dead letter, replayable once the extractor is fixed).
PAGE_FAILURES = frozenset({"extract_error", "timeout", "worker_died", "too_large"})

@dataclass(frozen=True)
class FetchedBatch:
    """A batch's fetch results, with the extraction of its `ok` pages already queued on the CPU pool."""

    results: list[FetchResult]
    todo: list[int]
    pages: Pending[tuple[str, str, datetime | None], tuple[ExtractedPage, str | None]]


class Fetching:
    """A stage run's fetching: one FetchSession (HTTP client, per-host clocks, robots.txt kept a day under
    OVERSIGHT_HOME) and threads that chain each batch's fetch into its extraction, so OVERSIGHT_FETCH_LOOKAHEAD
    batches are fetched at once and a busy host holds only its own pages."""

    def __init__(self, settings: Settings) -> None:
        store = RobotsStore(settings.home / "robots.sqlite") if settings.respect_robots else None
        self.session = FetchSession(settings, store)
        self._chains = ThreadPoolExecutor(settings.fetch_lookahead + 1, thread_name_prefix="fetch")

    def submit(self, job: Callable[[], T]) -> Future[T]:
        # In the caller's context: the job's extraction goes to the run's CPU pool (cpu.current_pool).
        return self._chains.submit(contextvars.copy_context().run, job)

    def close(self) -> None:
        self._chains.shutdown(wait=True, cancel_futures=True)
        self.session.close()

    def __enter__(self) -> Fetching:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fetch_entries(settings: Settings, entries: Sequence[FeedEntry], session: FetchSession) -> FetchedBatch:
    """Fetch a batch's pages on the run's session (I/O, beside the CPU stages), then queue their extraction."""
    results = session.fetch_articles([e.url for e in entries]).result() if entries else []
    todo = [i for i, r in enumerate(results) if r.outcome == "ok"]
    args = [(results[i].text or "", results[i].final_url, entries[i].published) for i in todo]
    budget = settings.item_time_budget
    return FetchedBatch(results, todo, submit_chunks(
        partial(_extract_and_fingerprint, settings.extractor, budget), args, budget,
        partial(_lost_page, settings.extractor)))


def build_articles(
    settings: Settings, entries: Sequence[FeedEntry], fetched: FetchedBatch
) -> tuple[list[Article], list[DeadLetter], Outcomes]:
    """Wait for a batch's extraction; every entry yields one Article with its outcome as `status`."""
    outcomes = Outcomes()
    pages: list[tuple[ExtractedPage, str | None] | None] = [None] * len(entries)
    for i, extracted in zip(fetched.todo, fetched.pages.result(), strict=True):
        pages[i] = extracted
    articles, dead = [], []
    for entry, result, page in zip(entries, fetched.results, pages, strict=True):
        try:
            article = _article(entry, result, *(page or (None, None)))
        except Exception as exc:  # noqa: BLE001 - an entry that breaks the record is its own outcome
            log.exception("building the article of %s failed", entry.url)
            page = (ExtractedPage.failed("", "extract_error", f"{entry.url}: {type(exc).__name__}: {exc}"), None)
            article = Article(article_id=entry.article_id, url=entry.url, feed_url=entry.feed_url,
                              status="extract_error", title=entry.title, published=entry.published)
        articles.append(article)
        outcomes.add("extract", article.status)
        error = page[0].error if page and page[0].error else result.error
        if article.status != "ok":
            log.info("article %s: %s%s", entry.url, article.status, f" ({error})" if error else "")
        if result.bad_input or result.transient:
            dead.append(entry_dead_letter(entry, result.outcome, result.error or result.outcome))
        elif page and page[0].status in PAGE_FAILURES:
            dead.append(entry_dead_letter(entry, page[0].status, page[0].error or page[0].status))
    return articles, dead, outcomes


def extract_html_many(
    settings: Settings, htmls: Sequence[str], urls: Sequence[str],
    published: Sequence[datetime | None] | None = None,
) -> list[ExtractedPage]:
    """Extract pages on the run's CPU pool (cpu.run_pool), in input order."""
    args = list(zip(htmls, urls, published or [None] * len(htmls), strict=True))
    return map_chunks(partial(_extract_chunk, settings.extractor), args)


def _extract_chunk(extractor: str, args: list[tuple[str, str, datetime | None]]) -> list[ExtractedPage]:
    return [extract_page(html, url, extractor=extractor, feed_published=published) for html, url, published in args]


def _extract_and_fingerprint(
    extractor: str, budget: float, args: list[tuple[str, str, datetime | None]]
) -> list[tuple[ExtractedPage, str | None]]:
    """In a pool worker: extract pages and fingerprint their text (MinHash, ~2 ms a page) for near-duplicates.

    A page whose extraction raises is that page's `extract_error`, one over its time budget its `timeout`,
    never its chunk's."""
    out: list[tuple[ExtractedPage, str | None]] = []
    for html, url, published in args:
        try:
            with time_budget(budget):
                page = extract_page(html, url, extractor=extractor, feed_published=published)
                out.append((page, fingerprint(page.text) if page.status == "ok" else None))
        except ItemTimeout as exc:
            log.error("extracting %s: timeout (%s)", url, exc)
            out.append((ExtractedPage.failed(extractor, "timeout", f"{url}: extraction {exc}"), None))
        except Exception as exc:  # noqa: BLE001 - one hostile page is its own outcome (and dead letter)
            log.exception("extracting %s failed", url)
            out.append((ExtractedPage.failed(extractor, "extract_error", f"{url}: {type(exc).__name__}: {exc}"),
                        None))
    return out


def _lost_page(extractor: str, args: tuple[str, str, datetime | None], reason: str,
               why: str) -> tuple[ExtractedPage, str | None]:
    """A page whose CPU worker died or hung on it even alone: its own `timeout` or `worker_died`."""
    return ExtractedPage.failed(extractor, reason, f"{args[1]}: {why}"), None


def _article(entry: FeedEntry, result: FetchResult, page: ExtractedPage | None, fp: str | None) -> Article:
    url, aid = choose_article_url(entry.url, entry.article_id, result.final_url,
                                  page.canonical_url if page else None)
    base = dict(article_id=aid, url=url, feed_url=entry.feed_url, http_status=result.status,
                outlet=(urlsplit(url).hostname or "").removeprefix("www."), title=entry.title,
                published=entry.published)
    if page is None:
        return Article(status=result.outcome, **base)  # type: ignore[arg-type]
    base.update(title=page.title or entry.title, published=page.published or entry.published)
    return Article(
        status=page.status, text=page.text, authors=page.authors, language=page.language,
        top_image=page.top_image, extractor=page.extractor,
        fingerprint=fp, **base,  # type: ignore[arg-type]
    )


