"""Warehouse benchmark: a synthetic 5-year warehouse of 1,000,000 events; every view, the digest, landing.

    .venv/bin/python bench/bench_warehouse.py [--events 1000000] [--out bench/results/warehouse.md]

Bars (issue 6): every view <= 1 s, a digest <= 10 s, landing >= 20,000 mention rows/s.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.records import Article, Event, Mention, TaggedArticle  # noqa: E402
from schemas.settings import Settings  # noqa: E402
from warehouse import db  # noqa: E402
from warehouse.digest import write_digest  # noqa: E402
from warehouse.loader import land_tagged  # noqa: E402
from warehouse.search import refresh_search_index, search  # noqa: E402
from warehouse.views import RESEARCH_VIEWS  # noqa: E402

SYNTHETIC_SQL = Path(__file__).with_name("synthetic_warehouse.sql")
DIGEST_WEEK = "2025-W40"
# What a researcher typically asks of the row-level views (one agency, one week), timed besides the full scans.
TYPICAL = {
    "agency_timeline": "SELECT * FROM agency_timeline WHERE agency_id = 'agency:42' ORDER BY published",
    "story_events": "SELECT * FROM story_events WHERE week_start = DATE '2025-09-29'",
    "new_adoptions": "SELECT * FROM new_adoptions WHERE iso_week = '2025-W40'",
    "story_mentions": "SELECT technology, count(DISTINCT story_id) FROM story_mentions "
                      "WHERE week_start = DATE '2025-09-29' GROUP BY ALL",
}


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(path: Path, events: int) -> dict[str, int]:
    """Generate the synthetic warehouse; return its row counts."""
    articles = events * 6 // 10
    with db.writer(path) as con:
        for name, value in (("syn_articles", articles), ("syn_events", events), ("syn_mentions_per_article", 6)):
            con.execute(f"SET VARIABLE {name} = ?", [value])  # the name is a constant of this script
        con.execute(SYNTHETIC_SQL.read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
                for t in ("articles", "events", "mentions")}


def time_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, float, float | None]]:
    """(view, rows, seconds for all rows into Arrow, seconds for a typical filtered query or None)."""
    rows = []
    for view in RESEARCH_VIEWS:
        n = con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]
        full = timed(lambda v=view: con.execute(f"SELECT * FROM {v}").to_arrow_table())
        typical = TYPICAL.get(view)
        rows.append((view, int(n), full, timed(lambda q=typical: con.execute(q).fetchall()) if typical else None))
    return rows


def tagged_batch(start: int, count: int, mentions: int) -> list[TaggedArticle]:
    """Realistic tagged articles: `mentions` spans and two events each."""
    when = datetime(2026, 1, 5, tzinfo=UTC)
    batch = []
    for i in range(start, start + count):
        sent = f"The Agency {i % 3000} Police Department bought Vendor {i % 60} drones, story {i}."
        spans = [Mention(label="agency" if k % 3 == 0 else "technology", text=f"span {k}", start=k, end=k + 4,
                         sentence=sent, canonical_id=f"agency:{(i + k) % 3000}" if k % 3 == 0 else "tech:drones",
                         canonical_name=f"Agency {(i + k) % 3000}", state="TX" if k % 3 == 0 else None,
                         technology=None if k % 3 == 0 else "drones") for k in range(mentions)]
        events = [Event(agency_id=f"agency:{(i + k) % 3000}", agency=f"Agency {(i + k) % 3000}", agency_state="TX",
                        technology="drones", action="acquires", evidence=sent, confidence=0.8) for k in range(2)]
        article = Article(article_id=f"new{i}", url=f"https://bench.example/{i}", title=f"Story {i}",
                          text=sent * 20, published=when + timedelta(minutes=i), outlet="bench.example")
        batch.append(TaggedArticle(article=article, mentions=spans, events=events, tagger_version="bench"))
    return batch


def time_landing(path: Path, batch_size: int, batches: int, with_search: bool, start: int) -> tuple[float, float]:
    """(mention rows/s, mean refresh_search_index seconds per batch) landing into the big warehouse."""
    prepared = [tagged_batch(start + b * batch_size, batch_size, 12) for b in range(batches)]
    spent, refresh = 0.0, 0.0
    for batch in prepared:
        begin = time.perf_counter()
        with db.writer(path) as con:  # a connection per batch, as the landing stage does
            land_tagged(con, batch)
            landed = time.perf_counter()
            if with_search:
                refresh_search_index(con)
            refresh += time.perf_counter() - landed
        spent += time.perf_counter() - begin  # with the connection's close (a checkpoint), as in the stage
    return batches * batch_size * 12 / spent, refresh / batches


def report(lines: list[str], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "warehouse.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oversight-bench-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        clock = time.perf_counter()
        counts = build(path, args.events)
        built = time.perf_counter() - clock
        with db.reader(path) as con:
            views = time_views(con)
            digest_s = timed(lambda: write_digest(con, DIGEST_WEEK, Path(tmp) / "digest"), repeat=2)
        with db.writer(path) as con:
            clock = time.perf_counter()
            refresh_search_index(con)
            fts_build = time.perf_counter() - clock
            search_s = timed(lambda: search(con, "drones council", None, 20))
        landing = {(size, with_search): time_landing(path, size, 4, with_search, start=size * 1000 + 10_000_000 * with_search)
                   for size, with_search in ((64, False), (Settings().land_batch_size, False), (2000, False),
                                              (Settings().land_batch_size, True))}
    lines = [
        "# Warehouse benchmark", "",
        f"`.venv/bin/python bench/bench_warehouse.py` on {platform.node()} ({platform.machine()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores, DuckDB {duckdb.__version__}), load average {__import__('os').getloadavg()[0]:.1f} at the start.",
        f"Synthetic warehouse: {counts['events']:,} events, {counts['articles']:,} articles (10% syndicated copies), "
        f"{counts['mentions']:,} mentions over 5 years; generated in {built:.1f} s.", "",
        "| view | rows | all rows to Arrow (s) | typical filtered query (s) | bar 1 s |", "|---|---|---|---|---|",
    ]
    for view, n, full, typical in views:
        worst = typical if typical is not None else full
        lines.append(f"| {view} | {n:,} | {full:.3f} | {'' if typical is None else f'{typical:.3f}'} | "
                     f"{'ok' if worst <= 1 else 'MISSED'} |")
    lines += ["", f"Digest of {DIGEST_WEEK} (3 files): **{digest_s:.2f} s** (bar 10 s).",
              f"Full-text index: first build over {counts['articles']:,} articles {fts_build:.1f} s; "
              f"a search {search_s:.3f} s.", "",
              "| landing | batch | mention rows/s | refresh_search_index per batch (s) |", "|---|---|---|---|"]
    for (size, with_search), (rate, refresh) in sorted(landing.items()):
        label = "land_tagged + refresh_search_index" if with_search else "land_tagged"
        if size == Settings().land_batch_size:
            label += " (default OVERSIGHT_LAND_BATCH_SIZE)"
        lines.append(f"| {label} | {size} articles x 12 mentions | {rate:,.0f} | "
                     f"{f'{refresh:.3f}' if with_search else ''} |")
    report(lines, args.out)


if __name__ == "__main__":
    main()
