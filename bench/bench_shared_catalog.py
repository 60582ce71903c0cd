"""The lake with its catalog in PostgreSQL (a throwaway cluster, as in the tests): landing throughput with 1, 2
and 3 concurrent land processes and their conflict retry rate; the views on 1,000,000 events; data files per
table and view time before and after maintenance, after many small landings.

    .venv/bin/python bench/bench_shared_catalog.py [--events 1000000] [--articles 250000] [--batches 10]
                                                   [--small-landings 300] [--out bench/results/shared_catalog.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_warehouse import build, tagged_batch, time_views  # noqa: E402
from oversight.schemas.settings import LakeLocation, load_settings  # noqa: E402
from oversight.warehouse import db  # noqa: E402
from oversight.warehouse.maintenance import files_per_table, maintain  # noqa: E402
from tests.postgres_cluster import PostgresCluster, start_cluster  # noqa: E402

# One land process: `batches` batches of `size` articles (12 mentions, 2 events each) through the Lander a land
# worker keeps for its life (its turns at writing the lake; originals looked up and rows merged in one
# transaction, retried on a conflict).
LANDER = """
import json, sys, time
from bench.bench_warehouse import tagged_batch
from oversight.flows.land import Lander
from oversight.schemas.settings import load_settings
from oversight.warehouse import db
settings = load_settings()
first, batches, size = (int(a) for a in sys.argv[1:4])
prepared = [tagged_batch(first + b * size, size, 12) for b in range(batches)]
lander = Lander(settings)
lander.land(prepared[0][:1])  # connection, extensions and migrations before the clock starts
start = time.time()
for batch in prepared:
    lander.land(batch)
lander.turns.close()
print(json.dumps({"start": start, "end": time.time(), "commits": batches,
                  "conflicts": sum(db.CONFLICTS.values())}))
"""


def lake_of(cluster: PostgresCluster, data: Path) -> tuple[LakeLocation, dict[str, str]]:
    catalog = cluster.catalog("bench")
    env = {**os.environ, "OVERSIGHT_CATALOG": catalog, "OVERSIGHT_DATA_PATH": str(data),
           "OVERSIGHT_HOME": str(data.parent / "home")}
    return load_settings(home=data.parent / "home", catalog=catalog, data_path=str(data)).lake, env


def landing(cluster: PostgresCluster, tmp: Path, workers: int, batches: int, size: int) -> dict[str, float]:
    lake, env = lake_of(cluster, tmp / f"land{workers}" / "data")
    with db.writer(lake):
        pass  # migrate once, so the workers do not race to create the lake
    procs = [subprocess.Popen([sys.executable, "-c", LANDER, str(10_000_000 * (w + 1)), str(batches), str(size)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for w in range(workers)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"a land process failed (exit {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    with db.reader(lake) as con:
        articles, distinct = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchall()[0]
    assert articles == distinct == workers * batches * size, (articles, distinct)  # every article once
    mentions = workers * batches * size * 12
    commits = sum(r["commits"] for r in results)
    return {"workers": workers, "mention_rows": mentions, "seconds": wall, "rows_per_s": mentions / wall,
            "commits": commits, "retries": sum(r["conflicts"] for r in results),
            "retry_rate": sum(r["conflicts"] for r in results) / commits}


def views_on(lake: LakeLocation) -> list[tuple[str, int, float, float | None]]:
    with db.reader(lake, shared=False) as con:
        return time_views(con)


def small_landings(cluster: PostgresCluster, tmp: Path, n: int) -> dict[str, object]:
    lake, _ = lake_of(cluster, tmp / "small" / "data")
    build(lake, 20_000, 50_000)
    from oversight.flows.land import land_batch
    settings = load_settings(home=tmp / "small" / "home", catalog=lake.catalog, data_path=lake.data_path)
    for i in range(n):
        land_batch(settings, tagged_batch(20_000_000 + i * 5, 5, 12))
    with db.reader(lake, shared=False) as con:
        before = files_per_table(con)
    views_before = views_on(lake)
    clock = time.perf_counter()
    report = maintain(lake, keep_days=0, grace=timedelta(0))
    seconds = time.perf_counter() - clock
    return {"landings": n, "files_before": before, "files_after": report.files_after,
            "views_before": sum(v[2] for v in views_before), "views_after": sum(v[2] for v in views_on(lake)),
            "maintenance_s": seconds, "expired": report.expired_snapshots}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=250_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--small-landings", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "shared_catalog.md")
    args = parser.parse_args()
    cluster = start_cluster()
    lines = [f"# Shared catalog: PostgreSQL (throwaway cluster on loopback), {os.cpu_count()} cores, "
             f"load average {os.getloadavg()[0]:.1f} at the start", ""]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-shared-") as folder:
            tmp = Path(folder)
            lines += ["## Landing, concurrent land processes", "",
                      f"{args.batches} batches of {args.batch_size} articles (12 mentions each) per process.", "",
                      "| processes | mention rows | seconds | mention rows/s | commits | conflicts retried | retry rate |",
                      "|---|---|---|---|---|---|---|"]
            for workers in (1, 2, 3):
                r = landing(cluster, tmp, workers, args.batches, args.batch_size)
                lines.append(f"| {workers} | {r['mention_rows']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | "
                             f"{r['commits']:.0f} | {r['retries']:.0f} | {r['retry_rate']:.2f} |")
                print(lines[-1], flush=True)
            lake, _ = lake_of(cluster, tmp / "big" / "data")
            clock = time.perf_counter()
            counts = build(lake, args.articles, args.events)
            built = time.perf_counter() - clock
            sqlite = load_settings(home=tmp / "sqlite-home").lake  # the same warehouse, the embedded catalog
            build(sqlite, args.articles, args.events)
            lines += ["", f"## Views on {counts['events']:,} events ({counts['articles']:,} articles, "
                      f"{counts['mentions']:,} mentions; built in {built:.0f} s), PostgreSQL against SQLite "
                      "catalog, timed one after the other", "",
                      "| view | rows | all rows, PostgreSQL (s) | all rows, SQLite (s) | typical query, PostgreSQL (s) "
                      "| typical query, SQLite (s) |", "|---|---|---|---|---|---|"]
            for (view, n, full, typical), (_, _, full_sq, typical_sq) in zip(views_on(lake), views_on(sqlite),
                                                                            strict=True):
                lines.append(f"| {view} | {n:,} | {full:.2f} | {full_sq:.2f} | "
                             f"{'' if typical is None else f'{typical:.3f}'} | "
                             f"{'' if typical_sq is None else f'{typical_sq:.3f}'} |")
                print(lines[-1], flush=True)
            s = small_landings(cluster, tmp, args.small_landings)
            before, after = s["files_before"], s["files_after"]
            assert isinstance(before, dict) and isinstance(after, dict)
            lines += ["", f"## {s['landings']} small landings (5 articles each), then maintenance "
                      f"({s['maintenance_s']:.1f} s, {s['expired']} snapshots expired)", "",
                      "| table | data files before | after |", "|---|---|---|"]
            lines += [f"| {t} | {before.get(t, 0)} | {after[t]} |" for t in sorted(after) if before.get(t) or after[t]]
            lines += ["", f"All research views, all rows: {s['views_before']:.2f} s before, "
                      f"{s['views_after']:.2f} s after maintenance.", ""]
    finally:
        cluster.stop()
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
