"""Hostile feeds and pages over real loopback servers: one bad item is its own outcome, the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.poll import poll_stage
from oversight.flows.stages import run_stage
from oversight.schemas import topics
from oversight.schemas.records import Article, DeadLetter, FeedEntry, decode
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.feeds import FeedRow, register_feeds
from tests.httpserver import HTTPTestServer

BODY = " ".join(["The county board heard a long presentation about the new budget for the parks."] * 12)
PAGE = f"<html><head><title>Budget night</title></head><body><article><h1>Budget night</h1><p>{BODY}</p>" \
       f"<p>{BODY}</p></article></body></html>"
RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, allow_private_networks=True, per_host_interval=0, respect_robots=False,
                    read_timeout=1.0, connect_timeout=1.0, max_retries=0, workers=1)


def rss(server: HTTPTestServer, paths: list[str]) -> str:
    items = "".join(f"<item><title>{p}</title><link>{server.url(p)}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def topic(bus: EmbeddedBus, name: str) -> list[object]:
    return [decode(m.value) for m in bus.read(name, 0, 10_000)]


def register(settings: Settings, *feeds: str) -> None:
    with db.writer(settings.lake) as con:
        register_feeds(con, [FeedRow(f) for f in feeds])


def health(settings: Settings) -> dict[str, tuple[str, int]]:
    with db.reader(settings.lake) as con:
        rows = con.execute("SELECT feed_url, last_outcome, consecutive_failures FROM feeds").fetchall()
    return {url: (outcome, failures) for url, outcome, failures in rows}


def test_a_bad_redirect_or_a_lone_surrogate_is_one_feeds_outcome_and_the_poll_goes_on(
    settings: Settings, http_server: HTTPTestServer
) -> None:
    bad_redirect = http_server.add("/redirect", b"", 302, {"Location": "http:x"})
    surrogate_item = {"id": "1", "url": http_server.url("/a.html"), "title": "Council \ud800 votes\x00 today",
                      "summary": "bad \udfff summary\x1b[31m"}
    # json.dumps writes the lone surrogates as \ud800 escapes, which is what a hostile JSON Feed serves
    surrogates = http_server.add("/feed.json", json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                                           "title": "t \ud800", "items": [surrogate_item]}),
                                 200, {"Content-Type": "application/feed+json"})
    good = http_server.add("/feed.xml", rss(http_server, ["/b.html"]), 200, RSS)
    register(settings, bad_redirect, surrogates, good)
    bus = EmbeddedBus(settings.bus_dir)

    outcomes = poll_stage(settings, bus, None, force=True)

    assert outcomes.stage("feeds") == {"bad_redirect": 1, "ok": 2}
    entries = {e.url: e for e in topic(bus, topics.ENTRIES) if isinstance(e, FeedEntry)}
    assert set(entries) == {http_server.url("/a.html"), http_server.url("/b.html")}
    hostile = entries[http_server.url("/a.html")]
    assert hostile.title == "Council \ufffd votes today" and hostile.summary == "bad \ufffd summary [31m"
    dead = [d for d in topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.key) for d in dead] == [("bad_redirect", bad_redirect)]
    assert "http:x" in dead[0].error or "Location" in dead[0].error
    assert health(settings) == {bad_redirect: ("bad_redirect", 1), surrogates: ("ok", 0), good: ("ok", 0)}
    # the failing feed is backed off: it is not due on the next (unforced) poll, the others are not either
    assert poll_stage(settings, bus, None).stage("feeds") == {}


def test_a_feed_the_parser_chokes_on_is_dead_lettered_with_its_feed_health_recorded(
    settings: Settings, http_server: HTTPTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import oversight.flows.poll

    boom = http_server.add("/boom.xml", rss(http_server, ["/c.html"]), 200, RSS)
    good = http_server.add("/feed.xml", rss(http_server, ["/d.html"]), 200, RSS)
    real_parse = oversight.flows.poll.parse_feed

    def parse_or_raise(content: bytes, feed_url: str, **kw: object) -> object:
        if feed_url == boom:  # stands for a parser bug only a hostile feed finds
            raise RecursionError("maximum recursion depth exceeded")
        return real_parse(content, feed_url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(oversight.flows.poll, "parse_feed", parse_or_raise)
    register(settings, boom, good)
    bus = EmbeddedBus(settings.bus_dir)

    assert poll_stage(settings, bus, None, force=True).stage("feeds") == {"ok": 1, "parse_error": 1}
    assert [e.url for e in topic(bus, topics.ENTRIES) if isinstance(e, FeedEntry)] == [http_server.url("/d.html")]
    dead = [d for d in topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.key) for d in dead] == [("parse_error", boom)]
    assert "RecursionError" in dead[0].error and "<rss" in dead[0].payload
    assert health(settings)[boom] == ("parse_error", 1)


def test_a_page_whose_extraction_raises_is_its_own_dead_letter_and_the_batch_goes_on(
    settings: Settings, http_server: HTTPTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import oversight.flows.extract

    for name in ("ok1", "boom", "ok2"):
        http_server.add(f"/{name}.html", PAGE.replace("Budget night", f"Budget night {name}"), 200, HTML)
    feed = http_server.add("/feed.xml", rss(http_server, ["/ok1.html", "/boom.html", "/ok2.html"]), 200, RSS)
    real_extract = oversight.flows.extract.extract_page

    def extract_or_raise(html: str, url: str, **kw: object) -> object:
        if url.endswith("/boom.html"):  # stands for an extractor bug only a hostile page finds
            raise AssertionError("lxml tree in an impossible state")
        return real_extract(html, url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(oversight.flows.extract, "extract_page", extract_or_raise)
    register(settings, feed)
    bus = EmbeddedBus(settings.bus_dir)
    poll_stage(settings, bus, None, force=True)

    outcomes = run_stage(settings, bus, "extract")

    assert outcomes.stage("extract") == {"extract_error": 1, "ok": 2}
    statuses = {a.url.rsplit("/", 1)[-1]: a.status for a in topic(bus, topics.ARTICLES) if isinstance(a, Article)}
    assert statuses == {"ok1.html": "ok", "boom.html": "extract_error", "ok2.html": "ok"}
    dead = [d for d in topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.stage, d.source_topic) for d in dead] == [("extract_error", "extract", topics.ENTRIES)]
    assert "AssertionError" in dead[0].error and "boom.html" in dead[0].error
    assert len(http_server.requests_to("/boom.html")) == 1  # not re-fetched message by message


def test_a_page_over_its_time_budget_is_a_timeout_dead_letter(
    settings: Settings, http_server: HTTPTestServer
) -> None:
    http_server.add("/slow.html", PAGE, 200, HTML)
    feed = http_server.add("/feed.xml", rss(http_server, ["/slow.html"]), 200, RSS)
    register(settings, feed)
    bus = EmbeddedBus(settings.bus_dir)
    poll_stage(settings, bus, None, force=True)
    # A budget no extraction can meet (each takes milliseconds) stands for a page that takes hours.
    tight = settings.model_copy(update={"item_time_budget": 1e-4})

    assert run_stage(tight, bus, "extract").stage("extract") == {"timeout": 1}
    dead = [d for d in topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.stage, d.source_topic) for d in dead] == [("timeout", "extract", topics.ENTRIES)]
    assert "time budget" in dead[0].error and "slow.html" in dead[0].error


def test_a_tagger_exception_is_a_dead_letter_that_replay_retries(
    settings: Settings, http_server: HTTPTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oversight.extractors.tagger import Tagger
    from oversight.flows.replay import replay

    for name in ("fine", "trips"):
        http_server.add(f"/{name}.html", PAGE.replace("Budget night", f"Budget night {name}"), 200, HTML)
    feed = http_server.add("/feed.xml", rss(http_server, ["/fine.html", "/trips.html"]), 200, RSS)
    register(settings, feed)
    bus = EmbeddedBus(settings.bus_dir)
    poll_stage(settings, bus, None, force=True)
    run_stage(settings, bus, "extract")
    real_prepare = Tagger.prepare

    def prepare_or_raise(self: Tagger, article: Article, facts: object) -> object:
        if article.url.endswith("/trips.html"):  # stands for a tagger bug one article finds
            raise IndexError("list index out of range")
        return real_prepare(self, article, facts)  # type: ignore[arg-type]

    monkeypatch.setattr(Tagger, "prepare", prepare_or_raise)
    assert run_stage(settings, bus, "tag").stage("tag") == {"dead_letter": 1, "off_topic": 1}
    run_stage(settings, bus, "dead-letters")
    dead = [d for d in topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.stage, d.source_topic) for d in dead] == [("tag_error", "tag", topics.ARTICLES)]
    assert "IndexError" in dead[0].error

    monkeypatch.setattr(Tagger, "prepare", real_prepare)  # the bug is fixed
    assert [letter.key for letter in replay(settings, bus, reason="tag_error").replayed] == [dead[0].key]
    assert run_stage(settings, bus, "tag").stage("tag") == {"off_topic": 1}
    run_stage(settings, bus, "land")
    with db.reader(settings.lake) as con:
        landed = sorted(r[0].rsplit("/", 1)[-1] for r in con.execute("SELECT url FROM articles").fetchall())
    assert landed == ["fine.html", "trips.html"]


def test_a_page_on_another_site_cannot_take_over_an_article(settings: Settings) -> None:
    """The attacker's page names the victim's article as its canonical and og:url; the victim's row, feed and
    events stay as they were, and the attacker's page lands under its own URL."""
    victim_page = PAGE.replace("Budget night", "Council rejects the license plate readers")
    with HTTPTestServer(host="127.0.0.1") as victim, HTTPTestServer(host="127.0.0.2") as attacker:
        story = victim.add("/story.html", victim_page, 200, HTML)
        victim_feed = victim.add("/feed.xml", rss(victim, ["/story.html"]), 200, RSS)
        attacker.add("/fake.html", PAGE.replace("<title>", f'<link rel="canonical" href="{story}"><meta '
                     f'property="og:url" content="{story}"><title>').replace("Budget night", "Council buys drones"),
                     200, HTML)
        attacker_feed = attacker.add("/feed.xml", rss(attacker, ["/fake.html"]), 200, RSS)
        bus = EmbeddedBus(settings.bus_dir)
        register(settings, victim_feed)
        poll_stage(settings, bus, None, force=True)
        for stage in ("extract", "tag", "land"):
            run_stage(settings, bus, stage)
        register(settings, attacker_feed)
        poll_stage(settings, bus, [attacker_feed], force=True)
        for stage in ("extract", "tag", "land"):
            run_stage(settings, bus, stage)
    with db.reader(settings.lake) as con:
        rows = con.execute("SELECT url, title, feed_url FROM articles ORDER BY url").fetchall()
    assert rows == [(story, "Council rejects the license plate readers", victim_feed),
                    (attacker.url("/fake.html"), "Council buys drones", attacker_feed)]


@pytest.mark.parametrize(("address", "inside"), [
    ("2002:7f00:1::1", "127.0.0.1"),  # 6to4 of loopback
    ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4 of the cloud metadata service
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "10.0.0.1"),  # Teredo, client 10.0.0.1 (stored inverted)
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
])
def test_ipv6_addresses_that_carry_a_private_ipv4_are_refused(settings: Settings, address: str, inside: str) -> None:
    from oversight.extractors.fetch import fetch_pages

    # Private networks open (as in the other tests): the metadata address is refused even so, and loopback
    # or RFC 1918 ones only when they are closed.
    for allow_private in (False, True):
        policy = settings.model_copy(update={"allow_private_networks": allow_private})
        [result] = fetch_pages(policy, [f"http://[{address}]:8080/story.html"])
        refused = not allow_private or inside.startswith("169.254.")
        assert (result.outcome == "blocked_private") == refused, result
        if refused:
            assert inside in (result.error or "")


def test_extract_html_dir_stays_in_its_folder_and_caps_decompression(settings: Settings, tmp_path: Path) -> None:
    import gzip

    from oversight.flows.files import extract_dir

    folder, outside = tmp_path / "pages", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.html").write_text("<html><body><p>" + "the secret key is hunter2 " * 40 + "</p></body></html>")
    (folder / "leak.html").symlink_to(outside / "secret.html")
    (folder / "story.html").write_text(PAGE)
    (folder / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b" " * 50_000_000, 9))  # ~50 KB on disk
    (folder / "cut.html.gz").write_bytes(gzip.compress(PAGE.encode())[:-20])  # truncated: no trailer
    capped = settings.model_copy(update={"max_page_bytes": 1_000_000})
    out = tmp_path / "pages.jsonl"

    outcomes = extract_dir(capped, folder, out)

    assert outcomes.stage("extract") == {"ok": 1, "too_large": 1, "unreadable": 1}
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["file"] for r in records] == ["bomb.html.gz", "cut.html.gz", "story.html"]
    assert "hunter2" not in out.read_text()


def test_oversight_tag_writes_a_tag_error_line_for_a_document_the_tagger_trips_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oversight.extractors.tagger import Tagger
    from oversight.flows.files import tag_file

    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": i, "title": "Police buy drones", "text": BODY}) + "\n"
                            for i in ("a", "trips", "b")))
    real_prepare = Tagger.prepare

    def prepare_or_raise(self: Tagger, article: Article, facts: object) -> object:
        if article.article_id == "trips":  # stands for a tagger bug one document finds
            raise IndexError("list index out of range")
        return real_prepare(self, article, facts)  # type: ignore[arg-type]

    monkeypatch.setattr(Tagger, "prepare", prepare_or_raise)
    outcomes = tag_file(docs, tmp_path / "tags.jsonl")
    assert outcomes.stage("tag") == {"ok": 2, "tag_error": 1}
    assert [json.loads(line)["id"] for line in (tmp_path / "tags.jsonl").read_text().splitlines()] == ["a", "trips", "b"]


def test_a_crawl_delay_or_429_host_is_deferred_not_waited_on_while_other_hosts_flow(settings: Settings) -> None:
    from oversight.extractors.fetch import fetch_pages

    polite = settings.model_copy(update={"respect_robots": True, "per_host_interval": 0.3})
    with HTTPTestServer(host="127.0.0.1") as slow, HTTPTestServer(host="127.0.0.2") as busy, \
            HTTPTestServer(host="127.0.0.3") as fine:
        slow.add("/robots.txt", "User-agent: *\nCrawl-delay: 3600\n", 200, {"Content-Type": "text/plain"})
        busy.add("/robots.txt", "User-agent: *\nAllow: /\n", 200, {"Content-Type": "text/plain"})
        fine.add("/robots.txt", "User-agent: *\nAllow: /\n", 200, {"Content-Type": "text/plain"})
        for server in (slow, fine):
            for i in range(3):
                server.add(f"/p{i}.html", PAGE, 200, HTML)
        for i in range(3):
            busy.add(f"/p{i}.html", b"slow down", 429, {"Retry-After": "3600"})
        urls = [server.url(f"/p{i}.html") for i in range(3) for server in (slow, busy, fine)]

        results = {r.url: r for r in fetch_pages(polite, urls)}

        outcomes = {server: sorted(results[server.url(f"/p{i}.html")].outcome for i in range(3))
                    for server in (slow, busy, fine)}
        assert outcomes == {slow: ["deferred", "deferred", "ok"], busy: ["deferred", "deferred", "http_429"],
                            fine: ["ok", "ok", "ok"]}
        # the deferred pages were never requested: one page from each host that asked for a pause
        assert sum(len(slow.requests_to(f"/p{i}.html")) for i in range(3)) == 1
        assert sum(len(busy.requests_to(f"/p{i}.html")) for i in range(3)) == 1
        assert all(results[u].transient for u in urls if results[u].outcome != "ok")
