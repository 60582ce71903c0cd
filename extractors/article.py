"""Article extraction from saved HTML: title, text, authors, date, language. Never touches the network."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import lxml.html
import trafilatura
from lxml.etree import LxmlError, ParserError
from lxml_html_clean import Cleaner
from readability import Document as ReadabilityDocument
from readability.htmls import build_doc
from readability.readability import REGEXES, Unparseable
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Document

from oversight.extractors.metadata import (
    UTF8_PARSER,
    canonical_link,
    choose_published,
    clean_authors,
    detect_language,
    parse_day,
)

EXTRACTORS = ("chain", "trafilatura", "readability", "newspaper3k")
MIN_WORDS = 50
# Measured on the extraction benchmark: readability's text wins when it is over twice as long.
READABILITY_RATIO = 2.0
# readability (~19 ms a page) runs only where it could win: the page's paragraph-like text is over twice
# trafilatura's, or trafilatura kept next to nothing. On the benchmark that is 22 pages of 181, the same F1
# (0.972), and 11 ms a page less on average.
SHORT_TEXT_CHARS = 500
# News pages have 1,000-20,000 elements; the extractors' tree walks cost ~75 us an element (a page of 200,000
# empty <p> took 15 s), so past this many `<` a page is refused in time linear in its length.
MAX_TAGS = 100_000
# htmldate fast mode: page metadata and markup, no guessing from free text; the URL only after
# the header and JSON-LD, so an explicit publish date beats a date in the path.
DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True, "deferred_url_extractor": True}
_PAYWALL = re.compile(r"subscribe (now )?to (continue|keep) reading|this (article|content) is (only )?"
                      r"(available|reserved) (to|for) (subscribers|members)|already a subscriber\?", re.I)
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "br", "section",
           "article", "figcaption", "dd", "dt"}

log = logging.getLogger(__name__)


# readability's own cleaner also rewrites every link to drop javascript: URLs, which
# took ~20 ms a page on the benchmark; only the text is kept here, so links can stay.
_TEXT_CLEANER = Cleaner(scripts=True, javascript=False, comments=True, style=True, links=True, meta=False,
                        add_nofollow=False, page_structure=False, processing_instructions=True,
                        embedded=False, frames=False, forms=False, annoying_tags=False,
                        remove_unknown_tags=False, safe_attrs_only=False)


class _TextReadability(ReadabilityDocument):  # type: ignore[misc]
    """readability-lxml's Document with a cheaper cleaning step (same hidden-element removal)."""

    def _parse(self, input: str) -> Any:
        doc, self.encoding = build_doc(input)
        for elem in doc.xpath("//*[@hidden]"):
            elem.drop_tree()
        for elem in doc.xpath("//*[@style]"):
            if REGEXES["displayNoneRe"].search(elem.get("style")):
                elem.drop_tree()
        return _TEXT_CLEANER.clean_html(doc)


@dataclass(frozen=True)
class ExtractedPage:
    """What extraction found on one page; `status` is `ok` or `no_text` (under ~50 words or a paywall stub)."""

    title: str
    text: str
    authors: list[str]
    published: datetime | None
    language: str | None
    top_image: str | None
    canonical_url: str | None
    extractor: str
    status: str
    error: str | None = None  # why extraction failed, for `extract_error` and `timeout`

    @classmethod
    def failed(cls, extractor: str, status: str, error: str) -> ExtractedPage:
        """The result for a page whose extraction raised (`extract_error`) or ran out of time (`timeout`)."""
        return cls("", "", [], None, None, None, None, extractor, status, error)


@dataclass
class _Raw:
    """One extractor's unprocessed findings, before dates and authors are cleaned."""

    extractor: str
    title: str = ""
    text: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    top_image: str | None = None


def extract_page(html: str, url: str, *, extractor: str = "chain",
                 feed_published: datetime | None = None) -> ExtractedPage:
    """Extract an article from its HTML with the named extractor ("chain" by default)."""
    run = _RUNNERS.get(extractor)
    if run is None:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)} "
                         "(OVERSIGHT_EXTRACTOR)")
    tags = html.count("<")
    if tags > MAX_TAGS:
        return ExtractedPage.failed(extractor, "too_large", f"{url}: {tags} tags, over the {MAX_TAGS} an "
                                    "article page could have (extractors walk every element many times)")
    raw = run(html, url) if html.strip() else _Raw(extractor)
    title = " ".join(raw.title.split())
    text = drop_title_line(raw.text.strip(), title)
    return ExtractedPage(
        title=title,
        text=text,
        authors=clean_authors(raw.authors),
        published=choose_published(raw.published, feed_published, url),
        language=detect_language(raw.title, text),
        top_image=raw.top_image or None,
        canonical_url=canonical_link(html, url),
        extractor=raw.extractor,
        status=text_status(text),
    )


def drop_title_line(text: str, title: str) -> str:
    """The text without a first line that only repeats the headline (extractors keep the page's <h1>).

    The headline is stored apart (`title`) and the tagger reads title + blank line + text, so a copy at the
    top of the text would be read twice and glued onto the dateline. A first line counts as the headline when
    it equals the title once case, spacing and punctuation are set aside, or when the title is that line plus
    the site's name after a separator ("Headline | Outlet").
    """
    first, newline, rest = text.partition("\n")
    line = " ".join(first.split())
    if not line or not title or not newline:
        return text
    same = _comparable(line) == _comparable(title)
    with_site = title.casefold().startswith(line.casefold()) and _SITE_SUFFIX.match(title[len(line):])
    return rest.lstrip() if same or with_site else text


def _comparable(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


_NON_WORD = re.compile(r"[^\w]+")
# What separates a headline from the site name in a <title>: "Headline | Outlet", "Headline - Outlet".
_SITE_SUFFIX = re.compile(r"\s*[|\-\u2013\u2014:\u00b7\u2022]\s*\S")


def text_status(text: str) -> str:
    """`no_text` for pages too short to be an article or that are a paywall stub, else `ok`."""
    words = len(text.split())
    if words < MIN_WORDS or (words < 150 and _PAYWALL.search(text)):
        return "no_text"
    return "ok"


def _trafilatura(html: str, url: str) -> _Raw:
    doc = trafilatura.bare_extraction(html, url=url or None, favor_precision=True, include_comments=False,
                                      with_metadata=True, date_extraction_params=DATE_PARAMS)
    if not isinstance(doc, Document):  # None when it found no main text
        return _Raw("trafilatura", *_metadata(html, url))
    return _Raw("trafilatura", doc.title or "", doc.text or "", _split(doc.author), parse_day(doc.date),
                doc.image)


def _readability_text(html: str) -> str:
    """readability-lxml's article HTML as plain text, one line per block."""
    try:
        summary = _TextReadability(html).summary(html_partial=True)
        # document_fromstring, not fragment_fromstring: the latter asserts on odd summaries
        tree = lxml.html.document_fromstring(f"<html><body>{summary}</body></html>").body
    except (Unparseable, ParserError, LxmlError, ValueError) as exc:
        log.debug("readability failed: %s", exc)
        return ""
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in tree.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _readability(html: str, url: str) -> _Raw:
    title, _, authors, published, image = _metadata(html, url)
    return _Raw("readability", title, _readability_text(html), authors, published, image)


def _chain(html: str, url: str) -> _Raw:
    """trafilatura (precise), with readability's text when it is clearly longer (trafilatura cut too much)."""
    raw = _trafilatura(html, url)
    raw.extractor = "chain:trafilatura"
    kept = len(raw.text)
    if kept < SHORT_TEXT_CHARS or _paragraph_chars(html) > READABILITY_RATIO * kept:
        fallback = _readability_text(html)
        if len(fallback) > READABILITY_RATIO * kept:
            raw.text, raw.extractor = fallback, "chain:readability"
    return raw


def _paragraph_chars(html: str) -> int:
    """Characters of text readability can build its article from (whitespace collapsed): <p>, <pre> and <td>
    text, and the text directly inside <div>s, which readability turns into paragraphs. Unparseable: a bound
    so large that readability runs."""
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=UTF8_PARSER)
    except (ParserError, LxmlError, ValueError):
        return sys.maxsize
    total = 0
    for element in tree.iter("p", "pre", "td", "div"):
        if element.tag == "div":
            total += _chars(element.text) + sum(_chars(child.tail) for child in element)
        elif not any(a.tag in ("p", "pre", "td") for a in element.iterancestors()):
            total += _chars(element.text_content())
    return total


def _chars(text: str | None) -> int:
    return len(" ".join(text.split())) if text else 0


def _metadata(html: str, url: str) -> tuple[str, str, list[str], datetime | None, str | None]:
    """(title, text, authors, date, image) from page metadata alone, for extractors without their own."""
    try:
        meta = extract_metadata(lxml.html.fromstring(html), default_url=url or None, date_config=DATE_PARAMS)
    except (ParserError, LxmlError, ValueError):
        return "", "", [], None, None
    return meta.title or "", "", _split(meta.author), parse_day(meta.date), meta.image


def _newspaper(html: str, url: str) -> _Raw:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # tldextract must not fetch its list
    from newspaper import Article
    from newspaper.article import ArticleException

    article = Article(url or "http://localhost/", fetch_images=False, memoize_articles=False)
    try:
        article.download(input_html=html)
        article.parse()
    except (ArticleException, ValueError, LxmlError) as exc:
        log.debug("newspaper3k failed on %s: %s", url, exc)
        return _Raw("newspaper3k")
    published = article.publish_date
    if isinstance(published, datetime) and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return _Raw("newspaper3k", article.title or "", article.text or "", list(article.authors),
                published if isinstance(published, datetime) else None, article.top_image or None)


def _split(author: str | None) -> list[str]:
    return [part for part in (author or "").split(";") if part.strip()]


_RUNNERS: dict[str, Callable[[str, str], _Raw]] = {
    "chain": _chain,
    "trafilatura": _trafilatura,
    "readability": _readability,
    "newspaper3k": _newspaper,
}
