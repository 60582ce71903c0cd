"""Bad input never stops a run: each case gets its outcome label, bad input a dead letter (real HTTP)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.poll import poll_stage
from oversight.flows.stages import run_stage
from oversight.schemas import topics
from oversight.schemas.records import Article, DeadLetter, decode
from oversight.schemas.settings import Settings
from oversight.warehouse import db
from oversight.warehouse.feeds import FeedRow, register_feeds
from tests.httpserver import HTTPTestServer

BODY = " ".join(["The county board heard a long presentation about the new budget for the parks."] * 12)
PAGE = f"<html><head><title>Budget night</title></head><body><article><h1>Budget night</h1><p>{BODY}</p>" \
       f"<p>{BODY}</p></article></body></html>"
LATIN1 = ("<html><head><title>Caf\xe9 council</title></head><body><article><h1>Caf\xe9 council</h1><p>"
          + "La Pe\xf1a caf\xe9 owners told the council about the plaza plans and the sidewalk seating rules. " * 10
          + "</p></article></body></html>").encode("latin-1")

CASES = {
    "/ok.html": ((200, {"Content-Type": "text/html; charset=utf-8"}, PAGE), "ok"),
    "/missing.html": ((404, {"Content-Type": "text/html"}, "gone"), "http_404"),
    "/broken.html": ((500, {"Content-Type": "text/html"}, "oops"), "http_5xx"),
    "/report.pdf": ((200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 binary"), "not_html"),
    "/huge.html": ((200, {"Content-Type": "text/html"}, "<p>" + "x" * 300_000), "too_large"),
    "/latin1.html": ((200, {"Content-Type": "text/html"}, LATIN1), "ok"),
    "/empty.html": ((200, {"Content-Type": "text/html"}, "<html><body><p>Subscribe to read.</p></body></html>"),
                    "no_text"),
}


def _rss(server: HTTPTestServer, paths: list[str]) -> str:
    items = "".join(f"<item><title>{p}</title><link>{server.url(p)}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, allow_private_networks=True, per_host_interval=0, respect_robots=False,
                    read_timeout=1.0, connect_timeout=1.0, max_page_bytes=200_000, max_retries=0, workers=1)


def _topic(bus: EmbeddedBus, topic: str) -> list[object]:
    return [decode(m.value) for m in bus.read(topic, 0, 10_000)]


def test_each_bad_page_gets_its_outcome_and_the_run_goes_on(settings: Settings, http_server: HTTPTestServer) -> None:
    for path, (route, _) in CASES.items():
        http_server.add(path, route[2], route[0], route[1])
    http_server.add("/slow.html", PAGE, 200, {"Content-Type": "text/html"}, delay=3.0)
    feed = http_server.add("/feed.xml", _rss(http_server, [*CASES, "/slow.html"]), 200,
                           {"Content-Type": "application/rss+xml"})
    bus = EmbeddedBus(settings.bus_dir)
    with db.writer(settings.lake) as con:
        register_feeds(con, [FeedRow(feed)])
    assert poll_stage(settings, bus, [feed], force=True).stage("entries") == {"new": 8}
    outcomes = run_stage(settings, bus, "extract")
    articles = {a.url.rsplit("/", 1)[-1]: a for a in _topic(bus, topics.ARTICLES) if isinstance(a, Article)}
    expected = {path.lstrip("/"): outcome for path, (_, outcome) in CASES.items()} | {"slow.html": "timeout"}
    assert {name: a.status for name, a in articles.items()} == expected
    assert "Café" in articles["latin1.html"].title and "Peña" in articles["latin1.html"].text
    assert outcomes.stage("extract")["ok"] == 2
    dead = {d.reason for d in _topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)}
    assert dead == {"not_html", "too_large", "http_5xx", "timeout"}  # a 404 is an expected reject, not bad input
    run_stage(settings, bus, "dead-letters")
    with db.reader(settings.lake) as con:
        rows = con.execute("SELECT reason, source_topic, stage FROM dead_letters ORDER BY reason").fetchall()
    assert rows == sorted((r, topics.ENTRIES, "extract") for r in dead)


def test_a_malformed_feed_keeps_its_good_entries_and_a_garbage_feed_is_dead_lettered(
    settings: Settings, http_server: HTTPTestServer
) -> None:
    good_items = "".join(f"<item><title>s{i}</title><link>{http_server.url(f'/s{i}.html')}</link></item>"
                         for i in range(3))
    broken = http_server.add("/broken.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Tom & Jerry'
                             f"</title>{good_items}<item><title>cut", 200, {"Content-Type": "application/rss+xml"})
    garbage = http_server.add("/garbage.xml", gzip.compress(b"\x00\x01 not a feed"), 200,
                              {"Content-Type": "application/rss+xml"})
    down = "http://127.0.0.1:9/feed.xml"  # nothing listens on the discard port
    bus = EmbeddedBus(settings.bus_dir)
    with db.writer(settings.lake) as con:
        register_feeds(con, [FeedRow(broken), FeedRow(garbage), FeedRow(down)])
    outcomes = poll_stage(settings, bus, None, force=True)
    assert outcomes.stage("entries") == {"new": 3}
    assert outcomes.stage("feeds") == {"bad_feed": 1, "network_error": 1, "ok": 1}
    with db.reader(settings.lake) as con:
        health = dict(con.execute("SELECT feed_url, consecutive_failures FROM feeds").fetchall())
        problem = con.execute("SELECT last_error FROM feeds WHERE feed_url = ?", [broken]).fetchone()
    assert health == {broken: 0, garbage: 1, down: 1}
    assert problem is not None and problem[0]  # the parser's complaint is kept for the feed list
    dead = [d for d in _topic(bus, topics.DEAD_LETTERS) if isinstance(d, DeadLetter)]
    assert [(d.reason, d.key) for d in dead] == [("bad_feed", garbage)]
