"""Polite fetching: the 181 real benchmark pages spread over 24 loopback hosts (127.0.0.2 and up) the way
real feeds are (one busy site with 48 pages, a long tail of small ones), robots.txt on, 1 s between requests
to a host. The extract stage's time is compared with the floor politeness alone sets (the busiest host's
pages x 1 s); robots.txt requests are counted per host, in a first run and in a second run the same day.

Run: make bench-polite (needs ../shared/data for the pages). Results: bench/results/polite.md.
"""

from __future__ import annotations

import gzip
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from bench.corpus import REAL_PAGES, real_page_ids
from oversight.flows import cpu
from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.sample import LoopbackHTTPServer, send_body
from oversight.flows.stages import run_stage
from oversight.schemas import topics
from oversight.schemas.records import FeedEntry, encode
from oversight.schemas.settings import Settings

# Pages per host: one busy site, a few middling ones, then a long tail of 2-3 pages each (181 in all).
SIZES = [48, 20, 14, 10, 8, 7, 6, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 13]
INTERVAL = 1.0
RESULTS = Path(__file__).resolve().parent / "results" / "polite.md"


class Host:
    """One loopback site on 127.0.0.N: robots.txt (allow all) and its share of the benchmark pages."""

    def __init__(self, n: int, pages: list[str]) -> None:
        self.pages, self.requests = set(pages), Counter[str]()
        self.server = LoopbackHTTPServer((f"127.0.0.{n}", 0), self._handler())
        self.base = f"http://127.0.0.{n}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = self.path.split("?")[0]
                host.requests[path] += 1
                if path == "/robots.txt":
                    send_body(self, 200, "text/plain", b"User-agent: *\nAllow: /\n")
                elif path.removeprefix("/real/").removesuffix(".html") in host.pages:
                    page_id = path.removeprefix("/real/").removesuffix(".html")
                    send_body(self, 200, "text/html; charset=utf-8",
                               gzip.decompress((REAL_PAGES / f"{page_id}.html.gz").read_bytes()))
                else:
                    send_body(self, 404, "text/plain", b"not found")

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


def entries(hosts: list[Host]) -> list[FeedEntry]:
    """Every page as a feed entry (the caller interleaves them as several feeds' items arrive)."""
    from oversight.extractors.urls import article_id

    return [FeedEntry(article_id=article_id(url), url=url, feed_url=h.base + "/feed.xml", title=p,
                      published=datetime(2026, 11, 20, tzinfo=UTC))
            for h in hosts for p in sorted(h.pages) for url in [f"{h.base}/real/{p}.html"]]


def run_once(settings: Settings, items: list[FeedEntry]) -> tuple[float, dict[str, int]]:
    bus = EmbeddedBus(settings.bus_dir)
    bus.produce(topics.ENTRIES, [(e.article_id, encode(e)) for e in items])
    clock = time.perf_counter()
    outcomes = run_stage(settings, bus, "extract")
    seconds = time.perf_counter() - clock
    bus.close()
    return seconds, outcomes.stage("extract")


def main() -> None:
    if not REAL_PAGES.exists():
        sys.exit(f"bench-polite needs the benchmark pages in {REAL_PAGES} (../shared/data)")
    ids = real_page_ids()
    assert sum(SIZES) == len(ids), (sum(SIZES), len(ids))
    rng = random.Random(3)
    shuffled = ids[:]
    rng.shuffle(shuffled)
    hosts, start = [], 0
    for n, size in enumerate(SIZES, start=2):
        hosts.append(Host(n, shuffled[start:start + size]))
        start += size
    items = entries(hosts)
    random.Random(7).shuffle(items)
    floor = max(SIZES) * INTERVAL
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), allow_private_networks=True, per_host_interval=INTERVAL,
                            respect_robots=True)
        with cpu.CpuPool(settings.cpu_workers, warm_tagger=True) as pool:
            pool.start_in_background()
            pool.executor().submit(int).result()  # the workers are up before the clock starts
            first, outcomes = run_once(settings, items)
            robots_first = [h.requests["/robots.txt"] for h in hosts]
            second, _ = run_once(settings, items)
        robots_second = [h.requests["/robots.txt"] - r for h, r in zip(hosts, robots_first, strict=True)]
    lines = [
        "# bench-polite",
        "",
        f"{len(ids)} real benchmark pages on {len(hosts)} loopback hosts (pages per host: "
        f"{', '.join(map(str, SIZES))}), robots.txt on, {INTERVAL:g} s between requests to a host, "
        f"OVERSIGHT_FETCH_LOOKAHEAD={settings.fetch_lookahead}, batch {settings.batch_size}; "
        f"measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores.",
        "",
        "| run | extract stage s | politeness floor s | ratio | robots.txt fetches per host | outcomes |",
        "|---|---|---|---|---|---|",
        f"| first | {first:.1f} | {floor:.0f} | {first / floor:.2f} | {_per_host(robots_first)} | "
        f"{' '.join(f'{k}={v}' for k, v in outcomes.items())} |",
        f"| second, same day | {second:.1f} | {floor:.0f} | {second / floor:.2f} | {_per_host(robots_second)} | |",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


def _per_host(counts: list[int]) -> str:
    spread = Counter(counts)
    return ", ".join(f"{n} on {k} host(s)" for n, k in sorted(spread.items()))


if __name__ == "__main__":
    main()
