"""The fetcher over a real HTTP server on 127.0.0.1: politeness, safety, caps, charsets, outcomes."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import time
import zlib
from typing import Any

import pytest

from oversight.extractors.fetch import Fetcher, FetchResult, fetch_feeds, fetch_pages
from oversight.extractors.netsafety import AddressPolicy
from oversight.schemas.settings import Settings
from tests.httpserver import HTTPTestServer, Request, Response

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = "<!doctype html><html><head><title>t</title></head><body><p>Hello café</p></body></html>"
LOOPBACK_ONLY = ["127.0.0.1/32"]


def make_settings(**overrides: Any) -> Settings:
    """Loopback reachable through the explicit allow-list only; every other private range refused."""
    values: dict[str, Any] = {"allowed_networks": LOOPBACK_ONLY, "per_host_interval": 0.0,
                              "respect_robots": False, "max_retries": 2, "connect_timeout": 2.0,
                              "read_timeout": 2.0}
    values.update(overrides)
    return Settings(**values)


def fetch(url: str, **overrides: Any) -> FetchResult:
    return fetch_pages(make_settings(**overrides), [url])[0]


def test_ok_page_is_decoded(http_server: HTTPTestServer) -> None:
    result = fetch(http_server.add("/a", PAGE, headers=HTML))
    assert (result.outcome, result.status, result.text) == ("ok", 200, PAGE)
    assert not result.bad_input and not result.transient
    ua = http_server.requests_to("/a")[0].headers["user-agent"]
    assert ua.startswith("oversight/")


def test_fetch_pages_keeps_order(http_server: HTTPTestServer) -> None:
    urls = [http_server.add(f"/p{i}", f"<html><body>{i}</body></html>", headers=HTML) for i in range(6)]
    results = fetch_pages(make_settings(), urls + [http_server.url("/missing")])
    assert [r.url for r in results] == urls + [http_server.url("/missing")]
    assert [r.outcome for r in results] == ["ok"] * 6 + ["http_404"]


def test_304_not_modified(http_server: HTTPTestServer) -> None:
    def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(304, {"ETag": '"v1"'})
        return Response(200, {"Content-Type": "application/rss+xml", "ETag": '"v1"',
                              "Last-Modified": "Tue, 05 Nov 2024 10:00:00 GMT"}, b"<rss version='2.0'/>")

    http_server.routes["/feed"] = feed
    url = http_server.url("/feed")
    first, = fetch_feeds(make_settings(), [(url, None, None)])
    assert first.outcome == "ok" and first.etag == '"v1"' and first.content.startswith(b"<rss")
    second, = fetch_feeds(make_settings(), [(url, first.etag, first.last_modified)])
    assert (second.outcome, second.status, second.content) == ("not_modified", 304, b"")
    sent = http_server.requests_to("/feed")[1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == first.last_modified


def test_redirect_chain_and_permanent_redirect(http_server: HTTPTestServer) -> None:
    http_server.add("/old", status=301, headers={"Location": "/moved"})
    http_server.add("/moved", status=308, headers={"Location": http_server.url("/temp")})
    http_server.add("/temp", status=302, headers={"Location": "/final?x=1"})
    http_server.add("/final", PAGE, headers=HTML)
    result = fetch(http_server.url("/old"))
    assert result.outcome == "ok"
    assert result.final_url == http_server.url("/final?x=1")
    # Only the leading run of permanent hops is something to remember for next time.
    assert result.permanent_redirect == http_server.url("/temp")
    assert [r.path for r in http_server.requests] == ["/old", "/moved", "/temp", "/final?x=1"]


def test_redirect_loop_is_bad_input(http_server: HTTPTestServer) -> None:
    http_server.add("/loop", status=302, headers={"Location": "/loop"})
    result = fetch(http_server.url("/loop"))
    assert result.outcome == "too_many_redirects" and result.bad_input
    assert len(http_server.requests) == 11


@pytest.mark.parametrize("target", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:192.168.1.1]/", "http://0.0.0.0:8080/"])
def test_redirect_to_private_address_is_refused(http_server: HTTPTestServer, target: str) -> None:
    http_server.add("/go", status=302, headers={"Location": target})
    started = time.monotonic()
    result = fetch(http_server.url("/go"))
    assert result.outcome == "blocked_private" and result.bad_input
    assert result.final_url == target
    assert "OVERSIGHT_ALLOW_PRIVATE_NETWORKS" in (result.error or "")
    assert time.monotonic() - started < 1.5  # refused before any connection attempt


def test_metadata_address_refused_even_when_private_networks_allowed(http_server: HTTPTestServer) -> None:
    http_server.add("/go", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    result = fetch(http_server.url("/go"), allow_private_networks=True, allowed_networks=[])
    assert result.outcome == "blocked_private" and "link-local" in (result.error or "")


def test_loopback_refused_by_default(http_server: HTTPTestServer) -> None:
    result = fetch(http_server.add("/a", PAGE, headers=HTML), allowed_networks=[])
    assert result.outcome == "blocked_private"
    assert http_server.requests == []
    assert fetch(http_server.url("/a"), allowed_networks=[], allow_private_networks=True).outcome == "ok"


@pytest.mark.parametrize(
    ("address", "allow_private", "refused"),
    [("8.8.8.8", False, False), ("2606:4700::1111", False, False), ("127.0.0.1", False, True),
     ("127.0.0.1", True, False), ("10.1.2.3", False, True), ("10.1.2.3", True, False),
     ("192.168.0.1", False, True), ("172.16.5.4", False, True), ("100.64.0.1", False, True),
     ("169.254.169.254", True, True), ("fe80::1", True, True), ("224.0.0.1", True, True),
     ("0.0.0.0", True, True), ("::1", False, True), ("fd00::1", False, True), ("240.0.0.1", True, True),
     ("::ffff:10.0.0.1", False, True), ("::ffff:8.8.8.8", False, False)],
)
def test_address_policy(address: str, allow_private: bool, refused: bool) -> None:
    policy = AddressPolicy(allow_private=allow_private)
    assert (policy.problem(ipaddress.ip_address(address)) is not None) is refused


def test_allow_list_opens_one_network_only() -> None:
    policy = AddressPolicy.from_settings(False, ["169.254.10.0/24"])
    assert policy.problem(ipaddress.ip_address("169.254.10.7")) is None
    assert policy.problem(ipaddress.ip_address("169.254.169.254")) is not None


def test_non_http_urls_are_bad_input() -> None:
    for url in ("ftp://example.com/a", "file:///etc/passwd", "javascript:alert(1)", "http://", "http://x:99999/"):
        result = fetch(url)
        assert result.outcome == "bad_url" and result.bad_input, url


def test_robots_txt_disallow(http_server: HTTPTestServer) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    http_server.add("/private/report", PAGE, headers=HTML)
    http_server.add("/public", PAGE, headers=HTML)
    urls = [http_server.url("/private/report"), http_server.url("/public"), http_server.url("/public")]
    results = fetch_pages(make_settings(respect_robots=True), urls)
    assert [r.outcome for r in results] == ["blocked_robots", "ok", "ok"]
    assert not results[0].bad_input and not results[0].transient  # an expected reject
    assert http_server.requests_to("/private/report") == []
    assert len(http_server.requests_to("/robots.txt")) == 1  # fetched once per host


def test_missing_robots_txt_allows_everything(http_server: HTTPTestServer) -> None:
    result = fetch(http_server.add("/a", PAGE, headers=HTML), respect_robots=True)
    assert result.outcome == "ok"


def test_unreachable_robots_txt_is_transient(http_server: HTTPTestServer) -> None:
    http_server.add("/robots.txt", "busy", status=500)
    result = fetch(http_server.add("/a", PAGE, headers=HTML), respect_robots=True, max_retries=0)
    assert result.outcome == "http_5xx" and result.transient
    assert http_server.requests_to("/a") == []


def test_per_host_interval(http_server: HTTPTestServer) -> None:
    urls = [http_server.add(f"/p{i}", PAGE, headers=HTML) for i in range(3)]
    results = fetch_pages(make_settings(per_host_interval=0.3), urls)
    assert all(r.ok for r in results)
    times = sorted(r.time for r in http_server.requests)
    # Spacing is enforced when a request starts; arrival at the server jitters by connection setup.
    assert all(b - a >= 0.2 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] - times[0] >= 0.5


def test_429_with_retry_after(http_server: HTTPTestServer) -> None:
    calls: list[float] = []

    def busy(request: Request) -> Response:
        calls.append(request.time)
        if len(calls) == 1:
            return Response(429, {"Retry-After": "1"}, b"slow down")
        return Response(200, HTML, PAGE)

    http_server.routes["/busy"] = busy
    result = fetch(http_server.url("/busy"))
    assert result.outcome == "ok" and len(calls) == 2
    assert calls[1] - calls[0] >= 0.95


def test_429_with_long_retry_after_gives_up_now(http_server: HTTPTestServer) -> None:
    http_server.add("/busy", status=429, headers={"Retry-After": "3600"})
    result = fetch(http_server.url("/busy"))
    assert result.outcome == "http_429" and result.transient
    assert len(http_server.requests) == 1


def test_5xx_retried_then_transient_and_404_not_retried(http_server: HTTPTestServer) -> None:
    http_server.add("/down", "oops", status=503)
    http_server.add("/gone", "no", status=410)
    http_server.add("/forbidden", "no", status=403)
    down, gone, forbidden = fetch_pages(make_settings(max_retries=1),
                                        [http_server.url(p) for p in ("/down", "/gone", "/forbidden")])
    assert (down.outcome, down.transient, len(http_server.requests_to("/down"))) == ("http_5xx", True, 2)
    assert (gone.outcome, gone.status, len(http_server.requests_to("/gone"))) == ("http_404", 410, 1)
    assert (forbidden.outcome, len(http_server.requests_to("/forbidden"))) == ("http_4xx", 1)
    assert not gone.bad_input and not gone.transient


def test_10mb_page_aborted_at_the_cap(http_server: HTTPTestServer) -> None:
    chunk = b"<p>" + b"x" * 65_533
    # Streamed with no Content-Length: only counting the bytes can stop it.
    http_server.add("/huge", [chunk] * 160, headers={"Content-Type": "text/html"})
    http_server.add("/declared", b"x" * 10_000_000, headers={"Content-Type": "text/html"})
    huge, declared = fetch_pages(make_settings(max_page_bytes=1_000_000),
                                 [http_server.url("/huge"), http_server.url("/declared")])
    assert huge.outcome == "too_large" and huge.bad_input and huge.content == b""
    assert declared.outcome == "too_large" and "Content-Length" in (declared.error or "")


def test_gzip_bomb(http_server: HTTPTestServer) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    zeros = b"\0" * 1_000_000
    bomb = packer.compress(b"<html>") + b"".join(packer.compress(zeros) for _ in range(100)) + packer.flush()
    assert len(bomb) < 150_000  # 100 MB of zeros in about 100 KB
    http_server.add("/bomb", bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    started = time.monotonic()
    result = fetch(http_server.url("/bomb"), max_page_bytes=2_000_000)
    assert result.outcome == "too_large" and "decompression" in (result.error or "")
    assert time.monotonic() - started < 5


def test_gzip_page_within_cap(http_server: HTTPTestServer) -> None:
    body = gzip.compress(PAGE.encode("utf-8"))
    result = fetch(http_server.add("/gz", body, headers={**HTML, "Content-Encoding": "gzip"}))
    assert result.outcome == "ok" and result.text == PAGE


def test_corrupt_gzip_is_a_decode_error(http_server: HTTPTestServer) -> None:
    result = fetch(http_server.add("/bad", b"\x1f\x8bnot gzip at all", headers={**HTML, "Content-Encoding": "gzip"}))
    assert result.outcome == "decode_error" and result.bad_input


def test_latin1_page_without_charset_header(http_server: HTTPTestServer) -> None:
    text = ("<html><head><title>Vidéosurveillance à Genève</title></head><body><p>La police de Genève "
            "déploie des caméras de reconnaissance faciale dans le quartier des Pâquis, a annoncé le "
            "département de la sécurité. Les élus s'inquiètent du coût et de la protection des données "
            "personnelles des résidents.</p></body></html>")
    result = fetch(http_server.add("/fr", text.encode("latin-1"), headers={"Content-Type": "text/html"}))
    assert result.outcome == "ok"
    assert result.text == text


def test_meta_charset_is_honoured(http_server: HTTPTestServer) -> None:
    text = '<html><head><meta charset="windows-1251"></head><body><p>Полиция и камеры</p></body></html>'
    result = fetch(http_server.add("/ru", text.encode("cp1251"), headers={"Content-Type": "text/html"}))
    assert result.text == text


def test_not_html_content_type(http_server: HTTPTestServer) -> None:
    result = fetch(http_server.add("/img", b"\x89PNG\r\n", headers={"Content-Type": "image/png"}))
    assert result.outcome == "not_html" and result.bad_input
    untyped = fetch(http_server.add("/bin", b"\x00\x01\x02 binary"))
    assert untyped.outcome in ("not_html", "decode_error") and untyped.bad_input


def test_feed_content_types_accepted(http_server: HTTPTestServer) -> None:
    urls = [http_server.add(f"/f{i}", b"<rss version='2.0'/>", headers={"Content-Type": kind})
            for i, kind in enumerate(["application/rss+xml", "text/xml", "application/feed+json", "text/html"])]
    results = fetch_feeds(make_settings(), [(url, None, None) for url in urls])
    assert [r.outcome for r in results] == ["ok"] * 4
    assert all(r.text is None and r.content for r in results)


def test_timeout(http_server: HTTPTestServer) -> None:
    http_server.add("/slow", PAGE, headers=HTML, delay=1.5)
    result = fetch(http_server.url("/slow"), read_timeout=0.3, max_retries=0)
    assert result.outcome == "timeout" and result.transient


def test_connection_refused_is_a_network_error() -> None:
    with HTTPTestServer() as server:
        url = server.url("/gone")
    result = fetch(url, max_retries=0)
    assert result.outcome == "network_error" and result.transient
    assert url in (result.error or "")


def test_global_concurrency_limit(http_server: HTTPTestServer) -> None:
    urls = [http_server.add(f"/s{i}", PAGE, headers=HTML, delay=0.2) for i in range(4)]

    async def run() -> list[FetchResult]:
        async with Fetcher(make_settings(fetch_concurrency=1)) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch_page(url) for url in urls)))

    started = time.monotonic()
    assert all(r.ok for r in asyncio.run(run()))
    assert time.monotonic() - started >= 0.75  # one at a time


def test_host_names_are_kept_and_pinned_to_the_checked_address(http_server: HTTPTestServer) -> None:
    http_server.add("/a", PAGE, headers=HTML)
    url = f"http://localhost:{http_server.port}/a"
    result = fetch(url, allowed_networks=["127.0.0.0/8", "::1/128"])
    assert result.outcome == "ok"
    assert http_server.requests_to("/a")[0].headers["host"] == f"localhost:{http_server.port}"


def test_pinned_backend_refuses_unchecked_hosts() -> None:
    from httpcore import ConnectError

    from oversight.extractors.netsafety import PinnedBackend

    async def connect() -> None:
        await PinnedBackend().connect_tcp("internal.example", 80)

    with pytest.raises(ConnectError, match="not checked"):
        asyncio.run(connect())


def test_https_to_a_plain_http_server_is_a_network_error(http_server: HTTPTestServer) -> None:
    http_server.add("/a", PAGE, headers=HTML)
    result = fetch(f"https://127.0.0.1:{http_server.port}/a", max_retries=0)
    assert result.outcome == "network_error" and result.transient
