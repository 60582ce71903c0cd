"""Cleaning of extracted article metadata: author bylines, publish dates, canonical links, language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urljoin

import py3langid

# Bylines that name a role, an outlet or a profile rather than a person.
_JUNK_AUTHOR = re.compile(
    r"https?:|www\.|@|\.(com|org|net)\b|\b(reporter|correspondent|contributor|columnist|editor|editors|"
    r"staff|writer|news|desk|team|editorial|wire|updated|published|follow|twitter|facebook|instagram|"
    r"linkedin|email|photo|photographer|getty|images|admin|guest|author|posted)\b",
    re.I,
)
_BY = re.compile(r"^\s*(by|from|written by)\s+", re.I)
_BYLINE_SPLIT = re.compile(r"\s*[;|,]\s*")
_NAMES_SPLIT = re.compile(r"\s+(?:and|&)\s+", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/._-]|$)")
_CANONICAL_TAG = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.I)
_OG_URL_TAG = re.compile(r"<meta\b[^>]*\bproperty\s*=\s*[\"']?og:url\b[^>]*>", re.I)
_HREF = re.compile(r"\b(?:href|content)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
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
    """The page's <link rel="canonical"> (else og:url), made absolute; None when absent."""
    head = html[:200_000]
    for pattern in (_CANONICAL_TAG, _OG_URL_TAG):
        tag = pattern.search(head)
        href = _HREF.search(tag.group(0)) if tag else None
        if href:
            value = str(next(group for group in href.groups() if group is not None)).strip()
            absolute = urljoin(page_url, value)
            if absolute.startswith(("http://", "https://")):
                return absolute
    return None


def detect_language(title: str, text: str) -> str | None:
    """ISO 639-1 language of the article (py3langid, offline); None when there is no text."""
    sample = f"{title}\n{text[:4000]}".strip()
    if len(sample.split()) < 3:
        return None
    language, _score = py3langid.classify(sample)
    return str(language)
