"""URL canonicalisation, article ids, and unwrapping of news-search redirect links."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import tldextract

from oversight.schemas.records import stable_id

# Written here rather than taken from courlan/w3lib: we need AMP handling, a sorted
# query and a guaranteed fixed point (canonical_url(canonical_url(u)) == canonical_url(u)),
# which the property tests check; those libraries each differ on one of the three.

# Query keys that only say where a click came from, never which page it is.
TRACKING_KEYS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "cmpid", "ocid", "smid", "smtyp", "soc_src", "soc_trk", "sr_share", "taid", "wt.mc_id",
        "wt_mc", "s_cid", "rss", "rssfeed", "ref_src", "ref_url", "__twitter_impression", "amp",
        "outputtype", "ito", "cid_source", "guccounter", "guce_referrer", "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "vero_", "__s")
# `outputType=amp` (Washington Post and others) is AMP; other values of it are real.
_AMP_VALUES = {"amp": {"", "1", "true", "yes"}, "outputtype": {"amp"}}
DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_url(url: str) -> str:
    """The one spelling of an article's URL that every variant of it maps to.

    Lower-cases scheme and host, drops the default port, userinfo, fragment, tracking
    parameters and AMP variants, normalises percent-escapes and sorts the query.
    Anything that is not an absolute http(s) URL is returned stripped, unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return url
    if host.startswith("amp.") and host.count(".") >= 2:
        host = host[len("amp.") :]
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, _canonical_path(parts.path), _canonical_query(parts.query), ""))


def registrable_domain(url: str) -> str:
    """The site a URL belongs to: its registrable domain under the Public Suffix List, private suffixes
    included (`bbc.co.uk`, `alice.github.io`); an IP address or a bare host name is its own site.

    tldextract's bundled snapshot of the list is used (no download: `suffix_list_urls=()`)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    return _suffixes()(host).top_domain_under_public_suffix or host


def same_site(url: str, other: str) -> bool:
    """Whether two URLs are on the same registrable domain (an empty host matches nothing)."""
    site = registrable_domain(url)
    return bool(site) and site == registrable_domain(other)


@lru_cache(maxsize=1)
def _suffixes() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def article_id(url: str) -> str:
    """Stable id of an article: the id recipe (schemas.records.stable_id) over its canonical URL."""
    return stable_id(canonical_url(url))


def _normalise_escapes(text: str) -> str:
    """Upper-case percent-escapes, decode the ones for unreserved characters, escape the rest."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return quote(_PCT.sub(fix, text), safe="/%:@!$&'()*+,;=-._~")


def _canonical_path(path: str) -> str:
    path = _normalise_escapes(path) or "/"
    segments = path.split("/")
    # AMP variants: /amp/story..., /story/amp, /story/amp/, /story.amp
    if len(segments) > 2 and segments[1].lower() == "amp":
        del segments[1]
    while len(segments) > 2 and segments[-1] == "" and segments[-2].lower() == "amp":
        del segments[-2:]
        segments.append("")
    if len(segments) > 2 and segments[-1].lower() == "amp":
        del segments[-1]
    if segments[-1].lower().endswith(".amp"):
        segments[-1] = segments[-1][: -len(".amp")]
    return "/".join(segments) or "/"


def _is_tracker(key: str, value: str) -> bool:
    key = key.lower()
    if key in _AMP_VALUES:
        return value.lower() in _AMP_VALUES[key]
    return key in TRACKING_KEYS or key.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in pairs if k and not _is_tracker(k, v))
    return urlencode(kept, quote_via=quote, safe="/:@!$'()*,;-._~")


# --- news-search redirect links -------------------------------------------------------

# host suffix -> query keys that carry the real target, in order of preference
_REDIRECT_KEYS: dict[str, tuple[str, ...]] = {
    "bing.com": ("url", "u", "r"),
    "google.com": ("url", "q", "u"),
    "news.google.com": ("url",),
    "facebook.com": ("u",),
    "duckduckgo.com": ("uddg",),
    "news.yahoo.com": ("url",),
    "search.yahoo.com": ("ru",),
    "t.co": (),
}
_REDIRECT_PATHS = ("apiclick.aspx", "/url", "/l.php", "/l/", "/news/apiclick.aspx", "/ck/a", "/r/")
_EMBEDDED_URL = re.compile(rb"https?://[\x21-\x7e]+")


def unwrap_redirect(url: str) -> str | None:
    """The real article behind a news-search redirect link, if it can be read off the link itself.

    Handles `bing.com/news/apiclick.aspx?url=...`, `google.com/url?q=...`,
    `l.facebook.com/l.php?u=...`, `duckduckgo.com/l/?uddg=...` and old-style Google
    News `articles/CBMi...` ids. Returns None when the link is not such a redirect or
    needs the network to resolve (then an HTTP fetch follows it).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host == "news.google.com" and "/articles/" in parts.path:
        return _google_news_target(parts.path.rsplit("/", 1)[-1])
    keys = next((k for suffix, k in _REDIRECT_KEYS.items() if host == suffix or host.endswith("." + suffix)), None)
    if not keys or not any(marker in parts.path.lower() for marker in _REDIRECT_PATHS):
        return None
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key in keys:
        target = params.get(key, "")
        if target.startswith(("http://", "https://")):
            return target
        if target.startswith(("http%3A", "https%3A", "http%3a", "https%3a")):
            return unquote(target)
    return None


def _google_news_target(token: str) -> str | None:
    """Old Google News ids are base64 protobufs with the URL as a length-prefixed field."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    start = raw.find(b"http")
    if start < 2:
        return None
    if raw[start - 2] == 0x22:  # field 4, one-byte length
        length = raw[start - 1]
    elif start >= 3 and raw[start - 3] == 0x22:  # two-byte varint length
        length = (raw[start - 2] & 0x7F) | (raw[start - 1] << 7)
    else:
        return None
    target = raw[start : start + length].decode("utf-8", "replace")
    return target if _EMBEDDED_URL.fullmatch(target.encode("utf-8", "replace")) else None


def choose_article_url(entry_url: str, entry_id: str, fetched_url: str | None,
                       page_canonical: str | None) -> tuple[str, str]:
    """(URL, article id) of an article: the page's own rel=canonical wins when it names an article path, else
    the URL the fetch ended at; the feed entry's own URL and id when that is the same page."""
    candidate = page_canonical or fetched_url or entry_url
    if urlsplit(candidate).path in ("", "/"):
        candidate = fetched_url or entry_url  # a canonical pointing at the home page is a site bug
    url = canonical_url(candidate)
    if url == canonical_url(entry_url):
        return entry_url, entry_id
    return url, article_id(url)
