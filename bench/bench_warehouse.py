"""Warehouse benchmark on the lake: a synthetic 5-year warehouse; every view, the digest, landing, a process
run's fixed cost, many small landings, and a sample run with readers holding the lake.

    .venv/bin/python bench/bench_warehouse.py [--events 1000000] [--articles 1000000] [--small-landings 1000]
                                              [--out bench/results/warehouse.md]

Bars (issues 6 and 16): every view <= 1 s on 1,000,000 events, a digest <= 10 s, landing >= 20,000 mention
rows/s, a process run's fixed cost at 1,000,000 articles within 2 s of an empty warehouse's, a sample run with
readers no slower than without them by more than 10%.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oversight.schemas.records import Article, Event, Mention, TaggedArticle  # noqa: E402
from oversight.schemas.settings import LakeLocation, Settings  # noqa: E402
from oversight.warehouse import db  # noqa: E402
from oversight.warehouse.digest import write_digest  # noqa: E402
from oversight.warehouse.loader import land_tagged  # noqa: E402
from oversight.warehouse.search import refresh_search_index, search, searching  # noqa: E402
from oversight.warehouse.views import RESEARCH_VIEWS  # noqa: E402

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
LANDED_TABLES = ("articles", "mentions", "events", "agencies", "vendors")

# A fresh process lands one article the way `oversight process` does, then refreshes the search index.
FIXED_COST = """
import json, sys, time
from datetime import UTC, datetime
t0 = time.perf_counter()
from oversight.flows.land import land_batch, refresh_search
from oversight.schemas.records import Article, TaggedArticle
from oversight.schemas.settings import Settings
settings = Settings(home=sys.argv[1])
one = TaggedArticle(article=Article(article_id="fixed-" + sys.argv[2], url="https://bench.example/fixed/" + sys.argv[2],
                    title="One more story", text="The council met on Tuesday. " * 40, outlet="bench.example",
                    published=datetime.now(UTC), fingerprint="mh1:" + "ab12cd34" * 128))
t1 = time.perf_counter()
land_batch(settings, [one])
t2 = time.perf_counter()
refresh_search(settings)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "land": t2 - t1, "search": t3 - t2}))
"""


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(lake: LakeLocation, articles: int, events: int) -> dict[str, int]:
    """Generate the synthetic warehouse in one lake transaction; return its row counts."""
    with db.writer(lake) as con:
        settings = (("syn_articles", articles), ("syn_events", events), ("syn_mentions_per_article", 6),
                    ("syn_end", datetime.now(UTC)))
        for name, value in settings:
            con.execute(f"SET VARIABLE {name} = ?", [value])  # the name is a constant of this script
        db.transaction(con, lambda: con.execute(SYNTHETIC_SQL.read_text(encoding="utf-8")), "synthetic")
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


def time_landing(lake: LakeLocation, batch_size: int, batches: int, start: int) -> float:
    """Mention rows/s landing into the big lake, a writer per batch as the landing stage opens one."""
    prepared = [tagged_batch(start + b * batch_size, batch_size, 12) for b in range(batches)]
    clock = time.perf_counter()
    for batch in prepared:
        with db.writer(lake) as con:
            land_tagged(con, batch)
    return batches * batch_size * 12 / (time.perf_counter() - clock)


def fixed_cost(home: Path, tag: str, repeat: int = 3) -> dict[str, float]:
    """Median seconds of a fresh process landing one article (and refreshing the index) in `home`."""
    runs = []
    for n in range(repeat):
        out = subprocess.run([sys.executable, "-c", FIXED_COST, str(home), f"{tag}{n}"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def data_files(lake: LakeLocation) -> dict[str, int]:
    """Parquet files per landed table under the data path."""
    return {t: len(list((Path(lake.data_path) / "main" / t).glob("*.parquet"))) for t in LANDED_TABLES}


def small_landings(lake: LakeLocation, count: int) -> float:
    """Land `count` batches of 5 articles (a quiet scheduled run each); return seconds per landing."""
    clock = time.perf_counter()
    for n in range(count):
        with db.writer(lake) as con:
            land_tagged(con, tagged_batch(50_000_000 + n * 5, 5, 12))
    return (time.perf_counter() - clock) / count


READER_SETUPS = {"no reader": (), "a notebook holding the lake open in a read transaction": ("HOLDER",),
                 "that notebook + a reader running a long query in a loop": ("HOLDER", "LONG_QUERY")}


def sample_runs(tmp: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """(wall s, landing stage s) of `oversight run --sample` in fresh homes, per set of readers on the lake."""
    import tests.test_readers as readers_code
    from tests.test_pipeline_e2e import _free_port

    found: dict[str, list[tuple[float, float]]] = {name: [] for name in READER_SETUPS}
    for n in range(repeat):
        for setup, codes in READER_SETUPS.items():
            home = tmp / f"sample-{n}-{len(codes)}"
            env = {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_SAMPLE_PORT": str(_free_port())}
            with db.writer(Settings(home=home).lake):
                pass
            readers = [subprocess.Popen([sys.executable, "-c", getattr(readers_code, code), str(home)], cwd=ROOT,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                       for code in codes]
            for r in readers:
                assert r.stdout is not None and r.stdout.readline()
            clock = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, env=env,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise RuntimeError(f"oversight run --sample failed in {home}: {run.stderr[-2000:]}")
            wall = time.perf_counter() - clock
            for r in readers:
                r.communicate("\n", timeout=300)
            outcomes = json.loads((home / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])["outcomes"]
            found[setup].append((wall, outcomes.get("ms.land", 0) / 1000))
    return found


def report(lines: list[str], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--small-landings", type=int, default=1000)
    parser.add_argument("--sample-runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "warehouse.md")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="oversight-bench-") as tmp_name:
        tmp = Path(tmp_name)
        lake = Settings(home=tmp / "big").lake
        clock = time.perf_counter()
        counts = build(lake, args.articles, args.events)
        built = time.perf_counter() - clock
        with db.reader(lake) as con:
            views = time_views(con)
            digest_s = timed(lambda: write_digest(con, DIGEST_WEEK, tmp / "digest"), repeat=2)
        clock = time.perf_counter()
        refresh_search_index(lake)
        fts_build = time.perf_counter() - clock
        with searching(lake) as con:
            search_s = timed(lambda: search(con, "drones council", None, 20))
        landing = {size: time_landing(lake, size, 4, start=size * 1000) for size in (64, 1000, 2000)}
        empty_home = tmp / "empty"
        with db.writer(Settings(home=empty_home).lake):
            pass
        fixed = {"empty": fixed_cost(empty_home, "e"), "big": fixed_cost(tmp / "big", "b")}
        files_before = data_files(lake)
        per_landing = small_landings(lake, args.small_landings)
        files_after = data_files(lake)
        with db.reader(lake) as con:
            views_after = time_views(con)
    lines = [
        "# Warehouse benchmark (DuckLake, SQLite catalog)", "",
        f"`make bench-warehouse` on {platform.node()} ({platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"DuckDB {duckdb.__version__}), load average {load:.1f} at the start (other jobs share the machine).",
        f"Synthetic warehouse: {counts['events']:,} events, {counts['articles']:,} articles (10% syndicated copies), "
        f"{counts['mentions']:,} mentions over 5 years; generated in {built:.1f} s (one lake transaction).", "",
        "| view | rows | all rows to Arrow (s) | typical filtered query (s) | bar 1 s | "
        f"after {args.small_landings:,} small landings: all rows (s) / typical (s) |",
        "|---|---|---|---|---|---|",
    ]
    for (view, n, full, typical), (_, _, full2, typical2) in zip(views, views_after, strict=True):
        worst = typical if typical is not None else full
        lines.append(f"| {view} | {n:,} | {full:.3f} | {'' if typical is None else f'{typical:.3f}'} | "
                     f"{'ok' if worst <= 1 else 'MISSED'} | {full2:.3f} / {'' if typical2 is None else f'{typical2:.3f}'} |")
    lines += ["", f"Digest of {DIGEST_WEEK} (3 files): **{digest_s:.2f} s** (bar 10 s).",
              f"Full-text index (its own DuckDB file): first build over {counts['articles']:,} articles "
              f"{fts_build:.1f} s; a search {search_s:.3f} s.", "",
              "| landing (`land_tagged`, a writer per batch) | mention rows/s |", "|---|---|"]
    for size, rate in sorted(landing.items()):
        default = " (default OVERSIGHT_LAND_BATCH_SIZE)" if size == Settings().land_batch_size else ""
        lines.append(f"| {size} articles x 12 mentions{default} | {rate:,.0f} |")
    lines += ["", "A process run's fixed cost: a fresh process lands one article the way `oversight process` does "
              "(the lake attached, the near-duplicate window loaded, one MERGE transaction), then refreshes the "
              "search index (median of 3):", "",
              "| warehouse | imports (s) | land one article (s) | search refresh (s) |", "|---|---|---|---|"]
    for name, label in (("empty", "empty"), ("big", f"{counts['articles']:,} articles")):
        f = fixed[name]
        lines.append(f"| {label} | {f['imports']:.2f} | {f['land']:.2f} | {f['search']:.2f} |")
    lines += ["", f"{args.small_landings:,} small landings (5 articles x 12 mentions each, a writer per landing): "
              f"{per_landing:.3f} s per landing. Parquet files per table before -> after: "
              + ", ".join(f"{t} {files_before[t]} -> {files_after[t]}" for t in LANDED_TABLES) + "."]
    report(lines, args.out)  # written now, so the numbers above survive a failing sample run
    if not args.sample_runs:
        return
    with tempfile.TemporaryDirectory(prefix="oversight-bench-") as tmp_name:
        runs = sample_runs(Path(tmp_name), args.sample_runs)
    base = statistics.median(w for w, _ in runs["no reader"])
    lines += ["", f"`oversight run --sample` in a fresh home with readers on the lake ({args.sample_runs} runs each, "
              "interleaved; wall time of the whole run and the landing stage's own time):", "",
              "| readers | run (s) | median vs no reader | landing stage (s) |", "|---|---|---|---|"]
    for setup, found in runs.items():
        median = statistics.median(w for w, _ in found)
        lines.append(f"| {setup} | {', '.join(f'{w:.1f}' for w, _ in found)} | {median / base - 1:+.0%} | "
                     f"{', '.join(f'{land:.2f}' for _, land in found)} |")
    report(lines, args.out)


if __name__ == "__main__":
    main()
