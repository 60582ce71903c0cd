"""Benchmark corpora served from 127.0.0.1: the 181 real benchmark pages and a synthetic news corpus."""

from __future__ import annotations

import gzip
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

from oversight.flows.sample import LoopbackHTTPServer, send_body

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark" / "html"
FEED_SIZE = 150  # entries per feed: under OVERSIGHT_ENTRIES_PER_FEED, so nothing is capped

_AGENCIES = ["Harlow County Sheriff's Office", "Bridgeport Police Department", "Maple Valley Police Department",
             "Travis County Sheriff's Office", "Riverton Unified School District", "Port Authority Police",
             "Lakewood Police Department", "Dorset County Sheriff's Office", "City of Fairview"]
_TECH = [("license plate reader cameras", "Flock Safety"), ("body-worn cameras", "Axon"),
         ("gunshot detection sensors", "SoundThinking"), ("facial recognition software", "Clearview AI"),
         ("drones", "Skydio"), ("phone extraction tools", "Cellebrite"), ("video analytics", "BriefCam")]
_ACTIONS = ["signed a contract with {v} for {t}", "began a pilot of {t} from {v}", "voted to end its use of {t}",
            "is proposing to buy {t} from {v}", "has used {t} supplied by {v} since {y}"]
_FILLER = [
    "Council members asked how long the data would be kept and who could search it.",
    "The program costs about ${n},000 a year, paid from a state public-safety grant.",
    "Residents at the {d} meeting were split, with several speakers raising privacy concerns.",
    "Officials said the policy would be reviewed again in {y} after an audit of its use.",
    "The department said it had logged {n} searches in the first six months.",
    "A local civil-liberties group asked for the contract and the data-sharing agreement.",
    "The city manager said the money would come out of the police equipment budget.",
    "Traffic on Route {n} was slowed for most of the afternoon by road work near the bridge.",
    "The library will extend its hours on weekdays starting in {m}, the director said.",
    "High school teams from {n} towns will compete in the regional tournament this weekend.",
    "Forecasters expect {n} millimetres of rain over the weekend, with cooler air behind the front.",
    "The board approved the minutes of the previous meeting without discussion.",
]
_MONTHS = ["January", "March", "May", "July", "September", "November"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday"]


def synthetic_article(n: int) -> tuple[str, str]:
    """A deterministic news page (title, html) of about 600 words; about half mention surveillance tech."""
    rng = random.Random(n)
    agency = rng.choice(_AGENCIES)
    tech, vendor = rng.choice(_TECH)
    on_topic = n % 2 == 0
    lead = (f"The {agency} {rng.choice(_ACTIONS).format(v=vendor, t=tech, y=rng.randint(2015, 2024))}, "
            f"officials said on {rng.choice(_DAYS)}." if on_topic else
            f"The {agency.split()[0]} town council met on {rng.choice(_DAYS)} to discuss the budget.")
    paragraphs = [lead]
    for _ in range(rng.randint(9, 13)):
        sentences = [rng.choice(_FILLER).format(n=rng.randint(2, 900), d=rng.choice(_DAYS),
                                                y=rng.randint(2025, 2029), m=rng.choice(_MONTHS))
                     for _ in range(rng.randint(3, 5))]
        paragraphs.append(" ".join(sentences) + f" (Report {n}-{len(paragraphs)}.)")
    title = f"{agency}: {'new ' + tech if on_topic else 'budget talks'} ({n})"
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<meta property='article:published_time' content='2026-10-{1 + n % 28:02d}T09:00:00Z'></head>"
            f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sports'>Sports</a></nav>"
            f"<article><h1>{escape(title)}</h1><p class='byline'>By Staff Reporter</p>{body}</article>"
            f"<footer><p>Copyright 2026 The Benchmark Gazette. All rights reserved.</p></footer></body></html>")
    return title, html


def real_page_ids() -> list[str]:
    return sorted(p.name.removesuffix(".html.gz") for p in REAL_PAGES.glob("*.html.gz"))


def _rss(title: str, items: list[tuple[str, str]]) -> bytes:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate></item>"
        for i, (t, u) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://bench/</link><description>bench</description>{entries}</channel></rss>").encode()


class CorpusServer:
    """Serves /real/<id>.html, /syn/<n>.html and RSS feeds listing them; `feeds(kind)` gives their URLs."""

    def __init__(self, synthetic: int) -> None:
        self.synthetic = synthetic
        self.real_ids = real_page_ids()
        self._server = LoopbackHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def feeds(self, kind: str) -> list[str]:
        count = {"real": len(self.real_ids), "syn": self.synthetic, "empty": 0}[kind]
        return [f"{self.base}/feeds/{kind}-{k}.xml" for k in range(max(1, -(-count // FEED_SIZE)))]

    def opml(self, kind: str, path: Path) -> Path:
        outlines = "".join(f'<outline type="rss" text="{kind} {i}" xmlUrl="{u}"/>'
                           for i, u in enumerate(self.feeds(kind)))
        path.write_text(f'<?xml version="1.0"?><opml version="2.0"><head><title>{kind}</title></head>'
                        f"<body>{outlines}</body></opml>", encoding="utf-8")
        return path

    def page(self, path: str) -> tuple[int, str, bytes]:
        if path.startswith("/real/"):
            page_id = path.removeprefix("/real/").removesuffix(".html")
            if page_id in self.real_ids:
                return 200, "text/html; charset=utf-8", gzip.decompress((REAL_PAGES / f"{page_id}.html.gz").read_bytes())
        if path.startswith("/syn/"):
            return 200, "text/html; charset=utf-8", synthetic_article(int(path[5:].removesuffix(".html")))[1].encode()
        if path.startswith("/feeds/"):
            kind, k = path[7:].removesuffix(".xml").split("-")
            return 200, "application/rss+xml", _rss(f"{kind} {k}", self._items(kind, int(k)))
        return 404, "text/plain", b"not found"

    def _items(self, kind: str, k: int) -> list[tuple[str, str]]:
        if kind == "real":
            ids = self.real_ids[k * FEED_SIZE:(k + 1) * FEED_SIZE]
            return [(f"page {i}", f"{self.base}/real/{i}.html") for i in ids]
        if kind == "syn":
            numbers = range(k * FEED_SIZE, min((k + 1) * FEED_SIZE, self.synthetic))
            return [(f"story {n}", f"{self.base}/syn/{n}.html") for n in numbers]
        return []

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        corpus = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                send_body(self, *corpus.page(self.path.split("?")[0]))

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    @contextmanager
    def running(self) -> Iterator[CorpusServer]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
