"""Google News article links resolved to the publisher's URL, the way Google's own article page does it.

New-style `news.google.com/rss/articles/<id>` links carry no URL that decodes offline, and the link does not
redirect over HTTP: Google answers with a page of its own. That page holds a signature and a timestamp for the
id (`data-n-a-sg`, `data-n-a-ts`); its script then POSTs them to the `batchexecute` endpoint, whose answer
names the publisher's URL. The requests are built here and parsed here; the Fetcher sends them (address
policy, per-host spacing, size and time caps), so nothing in this module touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import lxml.html
from lxml import etree

GOOGLE_NEWS_ORIGIN = "https://news.google.com"
BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
_ID_PARENTS = ("articles", "read")
_MAX_ID_CHARS = 2048
# The request context the article page's script sends along with the id (locale and client flags).
_CONTEXT = [["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
            "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0]


@dataclass(frozen=True)
class GoogleNewsLink:
    """An article id read off a Google News link, with the origin that serves it and the link's locale."""

    origin: str
    article_id: str
    query: str

    @property
    def params_page(self) -> str:
        """The article page that carries the id's signature (`/rss/articles/` answers non-browser clients)."""
        qs = parse_qs(self.query)
        locale = {"hl": qs.get("hl", ["en-US"])[0], "gl": qs.get("gl", ["US"])[0],
                  "ceid": qs.get("ceid", ["US:en"])[0]}
        return f"{self.origin}/rss/articles/{quote(self.article_id, safe='')}?{urlencode(locale)}"

    @property
    def batchexecute_url(self) -> str:
        return f"{self.origin}{BATCHEXECUTE_PATH}?rpcids=Fbv4je"


def google_news_link(url: str, origin: str = GOOGLE_NEWS_ORIGIN) -> GoogleNewsLink | None:
    """The article id of a `<origin>/rss/articles/<id>` (or `/articles/`, `/read/`) link, else None."""
    try:
        parts, home = urlsplit(url.strip()), urlsplit(origin)
    except ValueError:
        return None
    if (parts.scheme, parts.netloc.lower()) != (home.scheme, home.netloc.lower()):
        return None
    segments = parts.path.split("/")
    if len(segments) < 3 or segments[-2] not in _ID_PARENTS:
        return None
    article_id = segments[-1]
    if not article_id or len(article_id) > _MAX_ID_CHARS or not article_id.replace("-", "").replace("_", "").isalnum():
        return None
    return GoogleNewsLink(origin.rstrip("/"), article_id, parts.query)


def decoding_params(html: str) -> tuple[str, str] | None:
    """(signature, timestamp) from the article page's `data-n-a-sg` / `data-n-a-ts` attributes, else None."""
    if not html.strip():
        return None
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        signature, timestamp = node.get("data-n-a-sg"), node.get("data-n-a-ts")
        if signature and timestamp:
            return signature, timestamp
    return None


def batchexecute_body(link: GoogleNewsLink, signature: str, timestamp: str) -> bytes:
    """The form body of the batchexecute POST for one id (`f.req=<JSON>`)."""
    request = ["garturlreq", _CONTEXT, link.article_id, int(timestamp) if timestamp.isdigit() else timestamp,
               signature]
    envelope = [[["Fbv4je", json.dumps(request, separators=(",", ":")), None, "generic"]]]
    return urlencode({"f.req": json.dumps(envelope, separators=(",", ":"))}).encode("ascii")


def publisher_url(answer: str, origin: str = GOOGLE_NEWS_ORIGIN) -> str | None:
    """The publisher URL in a batchexecute answer (`)]}'` guard, then JSON rows), else None.

    Only an absolute http(s) URL outside the aggregator counts: anything else would send the fetch back
    to Google's own pages, which are not the article.
    """
    body = answer.lstrip()
    if body.startswith(")]}'"):
        body = body[4:]
    for chunk in body.split("\n"):
        chunk = chunk.strip()
        if not chunk.startswith("["):
            continue
        try:
            rows = json.loads(chunk)
        except (ValueError, RecursionError):
            continue
        url = _garturlres(rows)
        if url is not None:
            return url if _is_publisher(url, origin) else None
    return None


def _garturlres(rows: object) -> str | None:
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not (isinstance(row, list) and len(row) >= 3 and row[0] == "wrb.fr" and isinstance(row[2], str)):
            continue
        try:
            payload = json.loads(row[2])
        except (ValueError, RecursionError):
            continue
        if isinstance(payload, list) and len(payload) >= 2 and payload[0] == "garturlres" \
                and isinstance(payload[1], str):
            return payload[1]
    return None


def _is_publisher(url: str, origin: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    aggregator = urlsplit(origin).netloc.lower()
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.netloc.lower() != aggregator \
        and not (parts.hostname or "").endswith("news.google.com")
