"""Feed parsing (RSS 0.9x/1.0/2.0, Atom, JSON Feed), caps, bozo feeds, OPML, discovery, poll intervals."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.extractors.feeds import (
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
    FeedError,
    FeedSource,
    ParsedFeed,
    discover_feeds,
    next_poll_interval,
    parse_feed,
    poll_result,
    read_opml,
    write_opml,
)
from oversight.extractors.fetch import FetchResult, cache_max_age, fetch_feeds
from oversight.extractors.opml import OPMLError
from oversight.extractors.urls import article_id
from oversight.schemas.feeds import DueFeed
from oversight.schemas.settings import Settings
from tests.httpserver import HTTPTestServer

DATA = Path(__file__).parent / "data"
INGEST = DATA / "ingest"
SETTINGS = Settings(allowed_networks=["127.0.0.1/32"], per_host_interval=0.0, respect_robots=False)
RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Test &amp; Gazette</title>
<item><title>Police buy &lt;em&gt;drones&lt;/em&gt;</title><link>/2026/11/01/drones?utm_source=rss#x</link>
  <description>&lt;p&gt;The &lt;b&gt;city&lt;/b&gt; bought four drones.&lt;/p&gt;</description>
  <pubDate>Sun, 01 Nov 2026 10:00:00 -0500</pubDate></item>
<item><title>Same story, tracked link</title><link>https://gazette.example/2026/11/01/drones?fbclid=1</link></item>
<item><title>Via Bing News</title>
  <link>https://www.bing.com/news/apiclick.aspx?ref=FexRss&amp;url=https%3a%2f%2fother.example%2fstory-7&amp;c=1</link></item>
<item><title>No link at all</title></item>
</channel></rss>"""


def fetch_feed_over_http(server: HTTPTestServer, path: str, body: bytes, content_type: str,
                         **settings: object) -> tuple[str, bytes, str | None]:
    url = server.add(path, body, headers={"Content-Type": content_type})
    result, = fetch_feeds(SETTINGS.model_copy(update=settings), [(url, None, None)])
    assert result.outcome == "ok", result.error
    return url, result.content, result.content_type


def test_rss2_entries_become_feed_entries() -> None:
    feed = parse_feed(RSS, "https://gazette.example/feed/", max_entries=50)
    assert feed.title == "Test & Gazette" and feed.problem is None
    first, bing = feed.entries
    assert first.url == "https://gazette.example/2026/11/01/drones"  # absolute, canonical, deduplicated
    assert first.article_id == article_id(first.url)
    assert first.title == "Police buy drones" and first.summary == "The city bought four drones."
    assert first.published == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
    assert first.feed_url == "https://gazette.example/feed/"
    assert bing.url == "https://other.example/story-7"  # the search engine's redirect unwrapped


@pytest.mark.parametrize(("name", "count"), [("feed_rss2.xml", 1), ("feed_atom.xml", 1), ("feed_rss091.xml", 1),
                                             ("feed_rss1.rdf", 1)])
def test_saved_feeds_of_every_format(name: str, count: int) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    base = "http://127.0.0.1:8765"
    content = path.read_bytes().replace(b"{BASE_URL}", base.encode())
    feed = parse_feed(content, f"{base}/{name}", max_entries=100)
    assert feed.problem is None and feed.title
    assert len(feed.entries) >= count
    assert all(e.url.startswith(base) and e.title for e in feed.entries)


def test_atom_feed_links_and_dates() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>Courier</title><id>tag:c</id><updated>2026-11-22T18:00:00Z</updated>
    <entry><title type="html">Flock &amp;amp; the council</title><id>tag:c,1</id>
      <link rel="related" href="https://elsewhere.example/"/><link rel="alternate" href="https://courier.example/a"/>
      <updated>2026-11-22T18:00:00Z</updated><published>2026-11-21T08:00:00+01:00</published></entry>
    </feed>"""
    entry, = parse_feed(atom, "https://courier.example/atom", max_entries=5).entries
    assert (entry.url, entry.title) == ("https://courier.example/a", "Flock & the council")
    assert entry.published == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


def test_broken_xml_feed_yields_its_good_entries(http_server: HTTPTestServer) -> None:
    url, content, kind = fetch_feed_over_http(http_server, "/broken.xml", (INGEST / "broken_feed.xml").read_bytes(),
                                              "application/rss+xml")
    feed = parse_feed(content, url, max_entries=50, content_type=kind)
    assert feed.problem is not None and "not well-formed" in feed.problem
    assert [e.title for e in feed.entries][:2] == ["Sheriff buys cell-site simulator & keeps it quiet",
                                                   "Drone as first responder program grows"]


def test_feed_with_5000_entries_is_capped(http_server: HTTPTestServer) -> None:
    items = "".join(f"<item><title>Story {i}</title><link>https://big.example/s/{i}</link>"
                    f"<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>" for i in range(5000))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    url, content, kind = fetch_feed_over_http(http_server, "/big.xml", body, "application/rss+xml")
    started = time.monotonic()
    feed = parse_feed(content, url, max_entries=SETTINGS.entries_per_feed, content_type=kind)
    assert len(feed.entries) == SETTINGS.entries_per_feed == 200
    assert feed.entries[0].url == "https://big.example/s/0" and feed.entries[-1].url == "https://big.example/s/199"
    assert time.monotonic() - started < 20


def test_json_feed(http_server: HTTPTestServer) -> None:
    url, content, kind = fetch_feed_over_http(http_server, "/feed.json", (INGEST / "jsonfeed.json").read_bytes(),
                                              "application/feed+json")
    feed = parse_feed(content, url, max_entries=10, content_type=kind)
    assert feed.title == "Test Metro Ledger" and feed.problem is None
    first, second = feed.entries  # the entry without a link is skipped
    assert first.url == "https://ledger.example/2026/11/21/transit-police-body-cameras"
    assert first.published == datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    assert first.summary == "The regional transit authority approved a $2.1 million body camera contract."
    assert second.url == http_server.url("/2026/11/20/council-surveillance-ordinance")  # relative to the feed
    # Recognised by content too, whatever the server calls it.
    again = parse_feed(content, url, max_entries=10, content_type="text/plain")
    assert [e.url for e in again.entries] == [e.url for e in feed.entries]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"<html><head><title>Home</title></head><body><p>Welcome</p></body></html>", "not an RSS, Atom or JSON"),
     (b"", "not an RSS, Atom or JSON"),
     (b"<rss><channel><item><title>x</ti", "no readable entries"),
     (b'{"items": []}', "not a JSON Feed"),
     (b'{"version": "https://jsonfeed.org/version/1.1", "items": ', "not valid JSON"),
     (json.dumps({"version": "https://jsonfeed.org/version/1", "items": 3}).encode(), "no `items` list")],
)
def test_nothing_usable_raises_feed_error_naming_the_feed(content: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(content, "https://bad.example/feed", max_entries=10)
    assert "https://bad.example/feed" in str(caught.value)


def test_valid_empty_feed_is_not_an_error() -> None:
    feed = parse_feed(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', "https://q.example/",
                      max_entries=10)
    assert feed.entries == [] and feed.problem is None


def test_opml_round_trip() -> None:
    feeds = [
        FeedSource("https://www.eff.org/rss/updates.xml", "EFF Deeplinks", "https://www.eff.org/deeplinks",
                   "Civil liberties"),
        FeedSource("https://www.aclutx.org/en/feed", "ACLU of Texas <TX> & co", "", "Civil liberties/State groups"),
        FeedSource("https://www.govtech.com/public-safety/rss", "GovTech", "", ""),
        FeedSource("https://example.org/feed.xml?a=1&b=2", "", "", "Trade press"),
    ]
    assert read_opml(write_opml(feeds).encode("utf-8")) == feeds


def test_read_hand_written_opml(tmp_path: Path) -> None:
    feeds = read_opml(INGEST / "feeds.opml")
    assert [(f.title, f.category) for f in feeds] == [
        ("EFF Deeplinks", "Civil liberties"), ("ACLU of Texas", "Civil liberties/State groups"),
        ("GovTech: Public Safety & Justice", ""), ("", "Trade press/Biometrics")]
    assert feeds[0].html_url == "https://www.eff.org/deeplinks"
    with pytest.raises(OPMLError, match="missing.opml"):
        read_opml(tmp_path / "missing.opml")
    with pytest.raises(OPMLError, match="no <body>"):
        read_opml(b"<rss/>")


def test_discover_feeds() -> None:
    html = (INGEST / "article_en.html").read_text(encoding="utf-8")
    assert discover_feeds(html, "https://gazette.example/news/2026/11/18/story") == [
        "https://gazette.example/feed/", "https://gazette.example/feed/atom/",
        "https://gazette.example/news/2026/11/18/feed.json"]
    assert discover_feeds("", "https://x.example/") == []
    assert discover_feeds("<html><head><link rel=stylesheet href=a.css></head></html>", "https://x.example/") == []


def test_poll_interval_adapts() -> None:
    hour = 3600.0
    assert next_poll_interval(hour, 0) == 1.5 * hour  # quiet: back off
    assert next_poll_interval(hour, 3) == hour  # on target
    assert next_poll_interval(hour, 30) == 0.5 * hour  # busy: poll sooner, but at most twice as often
    assert next_poll_interval(MIN_POLL_INTERVAL, 100) == MIN_POLL_INTERVAL
    assert next_poll_interval(MAX_POLL_INTERVAL, 0) == MAX_POLL_INTERVAL
    failing = [next_poll_interval(hour, 0, consecutive_failures=n) for n in range(1, 12)]
    assert failing == sorted(failing) and failing[-1] == MAX_POLL_INTERVAL  # days of failure: daily


FEED = DueFeed("https://x.example/feed", "https://x.example/feed", '"old"', None, consecutive_failures=2,
               poll_interval_s=3600.0, last_new_entry_at=None)


def _fetched(outcome: str, **fields: object) -> FetchResult:
    return FetchResult(FEED.fetch_url, FEED.fetch_url, outcome, **fields)  # type: ignore[arg-type]


def test_a_good_poll_resets_the_failures_and_keeps_the_new_validators() -> None:
    parsed = ParsedFeed("t", [], problem="mismatched tag at line 9")
    result = poll_result(FEED, _fetched("ok", status=200, etag='"new"', last_modified="Mon"), parsed, new=3)
    assert (result.outcome, result.failed, result.status, result.new_entries) == ("ok", False, 200, 3)
    assert (result.etag, result.last_modified) == ('"new"', "Mon")
    assert result.error == "mismatched tag at line 9"  # usable, but the parser's complaint is kept
    assert result.interval_s == next_poll_interval(3600.0, 3)  # on target: no failure back-off


def test_not_modified_is_healthy_and_sends_no_validators_back() -> None:
    result = poll_result(FEED, _fetched("not_modified", status=304, etag='"old"'), None, new=0)
    assert (result.outcome, result.failed, result.error, result.etag) == ("not_modified", False, None, None)


def test_a_failed_fetch_counts_one_more_failure_and_backs_off() -> None:
    result = poll_result(FEED, _fetched("http_503", status=503, error="server error", etag='"x"'), None, new=0)
    assert (result.outcome, result.failed, result.error, result.etag) == ("http_503", True, "server error", None)
    assert result.interval_s == next_poll_interval(3600.0, 0, consecutive_failures=3)


def test_a_feed_that_failed_after_its_fetch_is_recorded_with_that_failure() -> None:
    unparsed = poll_result(FEED, _fetched("ok", status=200, etag='"new"'), None, 0, ("bad_feed", "not a feed"))
    assert (unparsed.outcome, unparsed.failed, unparsed.error, unparsed.etag) == ("bad_feed", True, "not a feed", None)
    parsed = ParsedFeed("t", [], problem=None)
    bad_entry = poll_result(FEED, _fetched("ok", status=200), parsed, 2, ("bad_entry", "entry cannot be encoded"))
    assert (bad_entry.outcome, bad_entry.failed, bad_entry.new_entries) == ("bad_entry", True, 2)
    assert poll_result(FEED, _fetched("ok", status=200), None, 0).outcome == "bad_feed"  # nothing parsed, no reason


def test_the_next_poll_waits_at_least_what_the_feed_or_its_server_declares() -> None:
    parsed = ParsedFeed("t", [], problem=None, refresh_s=6 * 3600.0)
    assert poll_result(FEED, _fetched("ok", status=200), parsed, 30).interval_s == 6 * 3600.0
    cached = poll_result(FEED, _fetched("ok", status=200, max_age=8 * 3600.0), parsed, 30)
    assert cached.interval_s == 8 * 3600.0


@given(st.floats(0, 1e7), st.integers(0, 10_000), st.integers(0, 1000))
def test_poll_interval_stays_in_bounds(previous: float, new: int, failures: int) -> None:
    assert MIN_POLL_INTERVAL <= next_poll_interval(previous, new, consecutive_failures=failures) <= MAX_POLL_INTERVAL


def test_a_feed_declares_how_often_it_changes() -> None:
    def refresh(channel: str) -> float | None:
        xml = (f'<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
               f"<channel><title>t</title>{channel}<item><link>https://x.example/1</link></item></channel></rss>")
        return parse_feed(xml.encode(), "https://x.example/feed", max_entries=5).refresh_s

    assert refresh("<ttl>120</ttl>") == 7200
    assert refresh("<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>") == 21600
    assert refresh("<sy:updatePeriod>hourly</sy:updatePeriod>") == 3600
    assert refresh("<ttl>60</ttl><sy:updatePeriod>daily</sy:updatePeriod>") == 86400  # the longer wins
    for hostile in ("<ttl>-5</ttl>", "<ttl>1e99</ttl>", "<ttl>" + "9" * 40 + "</ttl>", "<ttl></ttl>",
                    "<sy:updatePeriod>fortnightly</sy:updatePeriod>", "<sy:updateFrequency>0</sy:updateFrequency>"):
        assert refresh(hostile) is None, hostile


def test_a_declared_refresh_slows_polling_within_bounds() -> None:
    hour = 3600.0
    assert next_poll_interval(hour, 3, declared=4 * hour) == 4 * hour
    assert next_poll_interval(hour, 3, declared=60) == hour  # asking for a minute changes nothing
    assert next_poll_interval(hour, 3, declared=30 * 86400) == MAX_POLL_INTERVAL  # a month: still daily
    assert next_poll_interval(hour, 0, consecutive_failures=1, declared=4 * hour) == 2 * MIN_POLL_INTERVAL


def test_cache_control_max_age_is_read_and_no_store_ignored() -> None:
    assert cache_max_age("public, max-age=7200") == 7200
    assert cache_max_age('max-age="600", must-revalidate') == 600
    assert cache_max_age("no-cache, max-age=7200") is None
    assert cache_max_age("max-age=-1") is None and cache_max_age(None) is None
    assert cache_max_age("max-age=" + "9" * 50) is None


def test_poll_honours_ttl_and_max_age_in_the_next_poll_time(tmp_path: Path, http_server: HTTPTestServer) -> None:
    from oversight.flows.bus.embedded import EmbeddedBus
    from oversight.flows.poll import poll_stage
    from oversight.warehouse import db
    from oversight.warehouse.feeds import FeedRow, due_feeds, register_feeds

    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><ttl>180</ttl>'
           f'<item><link>{http_server.url("/a.html")}</link></item></channel></rss>')
    ttl_feed = http_server.add("/ttl.xml", rss, headers={"Content-Type": "application/rss+xml"})
    cached_feed = http_server.add("/cached.xml", rss.replace("<ttl>180</ttl>", ""),
                                  headers={"Content-Type": "application/rss+xml", "Cache-Control": "max-age=36000"})
    plain_feed = http_server.add("/plain.xml", rss.replace("<ttl>180</ttl>", ""),
                                 headers={"Content-Type": "application/rss+xml"})
    settings = Settings(home=tmp_path, allow_private_networks=True, per_host_interval=0, respect_robots=False)
    with db.writer(settings.lake) as con:
        register_feeds(con, [FeedRow(ttl_feed), FeedRow(cached_feed), FeedRow(plain_feed)])
    assert poll_stage(settings, EmbeddedBus(settings.bus_dir), None, force=True).stage("feeds") == {"ok": 3}
    with db.reader(settings.lake) as con:
        intervals = {f.feed_url: f.poll_interval_s for f in due_feeds(con, force=True)}
    assert intervals[ttl_feed] == 3 * 3600
    assert intervals[cached_feed] == 36000
    assert intervals[plain_feed] is not None and intervals[plain_feed] < 3 * 3600
