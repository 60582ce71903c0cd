"""canonical_url / article_id examples and properties, and unwrapping of news-search redirect links."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.extractors.urls import TRACKING_KEYS, article_id, canonical_url, unwrap_redirect


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/News/Story?b=2&a=1#comments", "https://example.com/News/Story?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2", "https://example.com/a"),
        ("https://amp.example.com/story/1", "https://example.com/story/1"),
        ("https://example.com/story/1/amp", "https://example.com/story/1"),
        ("https://example.com/story/1/amp/", "https://example.com/story/1/"),
        ("https://example.com/amp/story/1", "https://example.com/story/1"),
        ("https://example.com/story/1?amp=1", "https://example.com/story/1"),
        ("https://example.com/story/1?outputType=amp&page=2", "https://example.com/story/1?page=2"),
        ("https://example.com/story.amp", "https://example.com/story"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://example.com/caf%c3%a9/%7euser", "https://example.com/caf%C3%A9/~user"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonical_url_examples(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_amp_param_with_meaningful_value_is_kept() -> None:
    assert canonical_url("https://example.com/?amp=shop") == "https://example.com/?amp=shop"


def test_non_http_input_is_returned_unchanged() -> None:
    assert canonical_url(" mailto:a@b.c ") == "mailto:a@b.c"
    assert canonical_url("/relative/path") == "/relative/path"
    assert canonical_url("http://[::1") == "http://[::1"


def test_article_id_is_the_same_for_every_variant() -> None:
    variants = [
        "https://www.example.com/2024/05/01/flock-cameras?utm_source=twitter",
        "HTTPS://WWW.EXAMPLE.COM/2024/05/01/flock-cameras#top",
        "https://www.example.com/2024/05/01/flock-cameras/amp",
        "https://www.example.com:443/2024/05/01/flock-cameras?fbclid=abc",
    ]
    ids = {article_id(url) for url in variants}
    assert len(ids) == 1
    assert len(ids.pop()) == 32
    assert article_id("https://www.example.com/other") != article_id(variants[0])


# --- properties -------------------------------------------------------------------------

_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), max_size=12)
_key = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_value = st.text(max_size=10)
_hosts = st.sampled_from(["example.com", "News.Example.org", "amp.site.net", "127.0.0.1", "[::1]", "a.b.c.d.e"])


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    params = draw(st.lists(st.tuples(st.one_of(_key, st.sampled_from(sorted(TRACKING_KEYS)),
                                               _key.map(lambda k: "utm_" + k)), _value), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#x", "#!/a?b"]))
    return f"{scheme}://{draw(_hosts)}{port}/{path}" + (f"?{query}" if query else "") + fragment


@settings(max_examples=300, deadline=None)
@given(urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=300, deadline=None)
@given(urls())
def test_canonical_url_strips_trackers_and_fragments(url: str) -> None:
    parts = urlsplit(canonical_url(url))
    assert parts.fragment == ""
    keys = [k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    assert not any(k in TRACKING_KEYS - {"amp", "outputtype"} or k.startswith("utm_") for k in keys)
    assert parts.scheme == parts.scheme.lower() and (parts.hostname or "") == (parts.hostname or "").lower()


@settings(max_examples=300, deadline=None)
@given(urls(), st.lists(st.tuples(st.sampled_from(["id", "p", "story", "page", "q"]),
                                  st.text(alphabet="abc123-_.", min_size=1, max_size=6)), min_size=1, max_size=3))
def test_canonical_url_keeps_meaningful_params(url: str, params: list[tuple[str, str]]) -> None:
    base = url.split("#", 1)[0]
    joined = base + ("&" if "?" in base else "?") + "&".join(f"{k}={v}" for k, v in params)
    kept = parse_qsl(urlsplit(canonical_url(joined)).query, keep_blank_values=True)
    for pair in params:
        assert pair in kept


@settings(max_examples=200, deadline=None)
@given(urls(), st.permutations(["a=1", "b=2", "c=3"]))
def test_query_order_does_not_change_the_id(url: str, order: list[str]) -> None:
    base = url.split("?", 1)[0].split("#", 1)[0]
    assert article_id(base + "?" + "&".join(order)) == article_id(base + "?a=1&b=2&c=3")


# --- redirect links ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fnews.example.com%2f"
         "2024%2fpolice-drones&c=123&mkt=en-us", "https://news.example.com/2024/police-drones"),
        ("https://www.google.com/url?rct=j&sa=t&url=https://www.example.org/a%3Fid%3D5&ct=ga",
         "https://www.example.org/a?id=5"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.net%2Fstory&h=AT0", "https://example.net/story"),
        ("https://duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fx&rut=abc", "https://example.com/x"),
    ],
)
def test_unwrap_redirect(link: str, target: str) -> None:
    assert unwrap_redirect(link) == target


def test_unwrap_old_style_google_news_id() -> None:
    url = b"https://www.example.com/2023/01/02/city-council-bans-facial-recognition"
    token = base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(url)]) + url + b"\xd2\x01\x00").decode()
    assert unwrap_redirect(f"https://news.google.com/rss/articles/{token.rstrip('=')}?oc=5") == url.decode()


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/story?url=https://elsewhere.com/",  # not a search engine
        "https://www.bing.com/search?q=police",  # not a redirect path
        "https://news.google.com/rss/articles/CBMiAAAA?oc=5",  # new-style id: needs the network
        "not a url",
    ],
)
def test_unwrap_redirect_leaves_other_links(link: str) -> None:
    assert unwrap_redirect(link) is None
