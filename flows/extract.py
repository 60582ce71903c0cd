"""Extraction glue: fetch a batch of entries concurrently, extract text on every core, build Articles."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from extractors.article import ExtractedPage, extract_page
from extractors.dedup import fingerprint
from extractors.fetch import FetchResult, fetch_pages
from extractors.urls import article_id, canonical_url
from flows.cpu import Pending, map_chunks, submit_chunks
from flows.outcomes import Outcomes
from flows.stages import entry_dead_letter
from schemas.records import Article, DeadLetter, FeedEntry
from schemas.settings import Settings

log = logging.getLogger("oversight.extract")

@dataclass(frozen=True)
class FetchedBatch:
    """A batch's fetch results, with the extraction of its `ok` pages already queued on the CPU pool."""

    results: list[FetchResult]
    todo: list[int]
    pages: Pending[tuple[ExtractedPage, str | None]]


def fetch_entries(settings: Settings, entries: Sequence[FeedEntry]) -> FetchedBatch:
    """Fetch a batch's pages concurrently (I/O, beside the CPU stages), then queue their extraction."""
    results = fetch_pages(settings, [e.url for e in entries]) if entries else []
    todo = [i for i, r in enumerate(results) if r.outcome == "ok"]
    args = [(results[i].text or "", results[i].final_url, entries[i].published) for i in todo]
    return FetchedBatch(results, todo, submit_chunks(partial(_extract_and_fingerprint, settings.extractor), args,
                                                     settings.cpu_workers))


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
        article = _article(entry, result, *(page or (None, None)))
        articles.append(article)
        outcomes.add("extract", article.status)
        if article.status != "ok":
            log.info("article %s: %s%s", entry.url, article.status, f" ({result.error})" if result.error else "")
        if result.bad_input or result.transient:
            dead.append(entry_dead_letter(entry, result.outcome, result.error or result.outcome))
    return articles, dead, outcomes


def extract_html_many(
    settings: Settings, htmls: Sequence[str], urls: Sequence[str],
    published: Sequence[datetime | None] | None = None,
) -> list[ExtractedPage]:
    """Extract pages on every core (a process pool sized by OVERSIGHT_WORKERS), in input order."""
    args = list(zip(htmls, urls, published or [None] * len(htmls), strict=True))
    return map_chunks(partial(_extract_chunk, settings.extractor), args, settings.cpu_workers)


def _extract_chunk(extractor: str, args: list[tuple[str, str, datetime | None]]) -> list[ExtractedPage]:
    return [extract_page(html, url, extractor=extractor, feed_published=published) for html, url, published in args]


def _extract_and_fingerprint(
    extractor: str, args: list[tuple[str, str, datetime | None]]
) -> list[tuple[ExtractedPage, str | None]]:
    """In a pool worker: extract pages and fingerprint their text (MinHash, ~2 ms a page) for near-duplicates."""
    return [(page, fingerprint(page.text) if page.status == "ok" else None)
            for page in _extract_chunk(extractor, args)]


def _article(entry: FeedEntry, result: FetchResult, page: ExtractedPage | None, fp: str | None) -> Article:
    url, aid = _article_url(entry, result, page)
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


def _article_url(entry: FeedEntry, result: FetchResult, page: ExtractedPage | None) -> tuple[str, str]:
    """The page's own rel=canonical wins when it names an article path, else the fetched URL."""
    candidate = page.canonical_url if page and page.canonical_url else result.final_url or entry.url
    if urlsplit(candidate).path in ("", "/"):
        candidate = result.final_url or entry.url  # a canonical pointing at the home page is a site bug
    url = canonical_url(candidate)
    if url == canonical_url(entry.url):
        return entry.url, entry.article_id
    return url, article_id(url)
