"""Cleaning of extracted article metadata: author bylines, publish dates, canonical links, language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin

import lxml.html
import py3langid
from lxml.etree import LxmlError, ParserError

from oversight.extractors.urls import same_site

# Bylines that name a role, an outlet or a profile rather than a person.
_JUNK_AUTHOR = re.compile(
    r"https?:|www\.|@|\.(com|org|net)\b|\b(reporter|correspondent|contributor|columnist|editor|editors|"
    r"staff|writer|news|desk|team|editorial|wire|updated|published|follow|twitter|facebook|instagram|"
    r"linkedin|email|photo|photographer|getty|images|admin|guest|author|posted)\b",
    re.I,
)
_BY = re.compile(r"^\s*(by|from|written by)\s+", re.I)
# (?<!\s): tried only where a run of spaces starts, so a long run costs its length, not its square.
_BYLINE_SPLIT = re.compile(r"(?<!\s)\s*[;|,]\s*")
_NAMES_SPLIT = re.compile(r"(?<!\s)\s+(?:and|&)\s+", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/._-]|$)")
# Parses the str re-encoded as UTF-8, whatever an <?xml encoding=...?> declaration in it says.
UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8")
MAX_AUTHOR_WORDS = 5


def clean_authors(raw: list[str]) -> list[str]:
    """Person names only: split joined bylines, drop "By", roles, outlets, URLs and handles; dedupe."""
    names: list[str] = []
    seen: set[str] = set()
    for item in raw:
        for chunk in _BYLINE_SPLIT.split(_BY.sub("", item or "")):
            parts = _NAMES_SPLIT.split(chunk)
            # "Jane Doe and John Roe" is two names; a sentence with an "and" in it is none.
            if any(len(part.split()) > MAX_AUTHOR_WORDS for part in parts):
                continue
            for part in parts:
                name = " ".join(_BY.sub("", part).split()).strip(" .,-–—")
                if not name or _JUNK_AUTHOR.search(name) or not any(c.isalpha() for c in name):
                    continue
                if name.lower() not in seen:
                    seen.add(name.lower())
                    names.append(name)
    return names


def parse_day(value: str | None) -> datetime | None:
    """'YYYY-MM-DD[...]' from htmldate/trafilatura -> an aware datetime (midnight UTC without a time)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def url_date(url: str) -> datetime | None:
    """A date written in the URL path (/2019/11/05/, /2019-11-05-, /20191105/)."""
    match = _URL_DATE.search(url)
    if match is None:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError:
        return None


def choose_published(page: datetime | None, feed: datetime | None, url: str) -> datetime | None:
    """Page metadata first, then the feed entry, then the URL.

    Page dates are usually day-precision; when the feed names the same day, the feed's
    timestamp is the same fact with a time of day, so it wins.
    """
    if page is not None:
        if feed is not None and feed.astimezone(UTC).date() == page.astimezone(UTC).date():
            return feed
        return page
    return feed if feed is not None else url_date(url)


def canonical_link(html: str, page_url: str) -> str | None:
    """The page's <link rel="canonical"> (else og:url), made absolute; None when absent or on another site.

    A page may name its own article's URL, never another site's: a canonical outside the registrable
    domain of the URL the page was fetched from is ignored, so no page can claim another outlet's article.
    The head is read with lxml (linear time; a regex over unclosed tags is not)."""
    tree = _head(html)
    if tree is None:
        return None
    canonical = [link.get("href") for link in tree.iter("link")
                 if "canonical" in str(link.get("rel") or "").lower().split()]
    og = [meta.get("content") for meta in tree.iter("meta")
          if str(meta.get("property") or "").strip().lower() == "og:url"]
    for value in (next((v for v in canonical if v), None), next((v for v in og if v), None)):
        if value:
            absolute = urljoin(page_url, str(value).strip())
            if absolute.startswith(("http://", "https://")) and same_site(absolute, page_url):
                return absolute
    return None


def _head(html: str) -> Any:
    """The parsed <head> part of a page (at most its first 200,000 characters), or None."""
    end = html.find("</head", 0, 200_000)
    head = html[:end if end >= 0 else 200_000]
    if not head.strip():
        return None
    try:
        return lxml.html.document_fromstring(head.encode("utf-8", "replace"), parser=UTF8_PARSER)
    except (ParserError, LxmlError, ValueError):
        return None


def detect_language(title: str, text: str) -> str | None:
    """ISO 639-1 language of the article (py3langid, offline); None when there is no text."""
    sample = f"{title}\n{text[:4000]}".strip()
    if len(sample.split()) < 3:
        return None
    language, _score = py3langid.classify(sample)
    return str(language)
