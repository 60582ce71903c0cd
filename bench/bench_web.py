"""Review pages benchmark: p50/p95 of the events list and the event page over HTTP, on the 1,000,000-event
synthetic warehouse of `make bench-warehouse` with 1,000 corrections in it (`make bench-web`).

    .venv/bin/python bench/bench_web.py [--home DIR] [--events 1000000] [--requests 40] [--out bench/results/web.md]

`--home` reuses (or first builds) a synthetic warehouse there; by default a temporary one is built and removed.
Each request is a real HTTP request to `oversight web` in its own process (uvicorn, one DuckDB instance); the
server's CPU time per request is reported beside the wall time, because other jobs may share the machine.
Bar (issue 19): events list and event page p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_warehouse import build  # noqa: E402
from oversight.schemas.settings import Settings  # noqa: E402
from oversight.warehouse import db  # noqa: E402

BAR_S = 0.2
# What a researcher asks of the list: the default page, one filter, several, another sort, a deep page.
LISTS = {
    "newest events": "/",
    "one technology": "/?technology=drones",
    "technology + state + needs review": "/?technology=face_recognition&state=TX&review=needs",
    "agency, most confident first": "/?agency=agency:42&sort=confidence",
    "vendor + adoptions": "/?vendor=vendor:v7&action=adoption",
    "one week": "/?week=2025-W40",
    "page 20": "/?technology=drones&page=20",
}


def ensure_warehouse(home: Path, events: int) -> Settings:
    """The synthetic warehouse under `home` (built once), with 1,000 corrections: a third each of action
    corrections, confirmations and rejections (one transaction, as if reviewed over months)."""
    settings = Settings(home=home)
    with db.writer(settings.lake) as con:
        count = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    if count < events:
        build(settings.lake, events, events)
    with db.writer(settings.lake) as con:
        if con.execute("SELECT count(*) FROM corrections").fetchall()[0][0] < 1000:
            db.transaction(con, lambda: con.execute(CORRECTIONS_SQL), "bench corrections")
    return settings


# Bench data only: a real review goes through warehouse.review, which checks every value.
CORRECTIONS_SQL = """
DELETE FROM corrections;
INSERT INTO corrections
SELECT md5(event_id) AS correction_id, article_id, event_id,
       CASE i % 3 WHEN 0 THEN 'action' ELSE 'review' END AS field,
       CASE i % 3 WHEN 0 THEN action END AS old_value,
       CASE i % 3 WHEN 0 THEN 'pilots' WHEN 1 THEN 'confirmed' ELSE 'rejected' END AS new_value,
       'bench' AS reviewer, now() AS corrected_at, NULL AS note
FROM (SELECT *, row_number() OVER () AS i FROM events USING SAMPLE 1000 ROWS (reservoir, 7));
"""


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_WEB_PORT": str(port)}
    with log.open("ab") as out:
        server = subprocess.Popen([sys.executable, "-m", "oversight.flows", "web"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError(f"oversight web did not answer; see {log}")


def timed(client: httpx.Client, server: psutil.Process, path: str) -> tuple[float, float]:
    """Wall time of one request, and the server process's CPU time spent on it."""
    cpu = server.cpu_times()
    start = time.perf_counter()
    response = client.get(path)
    wall = time.perf_counter() - start
    after = server.cpu_times()
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    return wall, (after.user + after.system) - (cpu.user + cpu.system)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def run(settings: Settings, requests: int, port: int, log: Path) -> dict[str, tuple[list[float], list[float]]]:
    with db.reader(settings.lake) as con:
        ids = [r[0] for r in con.execute("SELECT event_id FROM events USING SAMPLE 200 ROWS (reservoir, 11)")
               .fetchall()]
    server = start_server(settings.home, port, log)
    results: dict[str, tuple[list[float], list[float]]] = {}
    try:
        proc = psutil.Process(server.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for path in LISTS.values():  # warm: parquet metadata, templates
                timed(client, proc, path)
            rng = random.Random(5)
            for name, path in LISTS.items():
                samples = [timed(client, proc, path) for _ in range(max(3, requests // len(LISTS)))]
                results["list: " + name] = ([s[0] for s in samples], [s[1] for s in samples])
            pages = [timed(client, proc, f"/events/{rng.choice(ids)}") for _ in range(requests)]
            results["event page (random events)"] = ([s[0] for s in pages], [s[1] for s in pages])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def report(settings: Settings, results: dict[str, tuple[list[float], list[float]]], load: tuple[float, float],
           out: Path) -> None:
    with db.reader(settings.lake) as con:
        events, corrections = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                               for t in ("events", "corrections"))
    lists = [w for k, (w, _) in results.items() if k.startswith("list")]
    all_list = [x for w in lists for x in w]
    pages = results["event page (random events)"][0]
    lines = [
        "# Review pages benchmark", "",
        f"`make bench-web` on {platform.node()} ({platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"DuckDB {duckdb.__version__}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load[0]:.1f} at the "
        f"start, {load[1]:.1f} at the end (other jobs share the machine).",
        f"Warehouse: {events:,} events, {corrections:,} corrections (synthetic, `bench/synthetic_warehouse.sql`). "
        "Each row is HTTP requests, one at a time, to `oversight web` in its own process; server CPU is the "
        "CPU time the server process spent per request (all its threads).", "",
        "| page | requests | p50 (ms) | p95 (ms) | server CPU p50 (ms) | bar p95 200 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, (walls, cpus) in results.items():
        lines.append(f"| {name} | {len(walls)} | {statistics.median(walls) * 1000:.0f} | {p95(walls) * 1000:.0f} | "
                     f"{statistics.median(cpus) * 1000:.0f} | {'ok' if p95(walls) <= BAR_S else 'MISSED'} |")
    lines += ["", f"All list requests: p95 {p95(all_list) * 1000:.0f} ms; event pages: p95 {p95(pages) * 1000:.0f} ms.",
              ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="reuse (or build once) the synthetic warehouse here")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "web.md")
    args = parser.parse_args()
    start_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="oversight-bench-web-") as tmp:
        home = args.home or Path(tmp) / "big"
        settings = ensure_warehouse(home, args.events)
        results = run(settings, args.requests, args.port, Path(tmp) / "web.log")
        report(settings, results, (start_load, os.getloadavg()[0]), args.out)


if __name__ == "__main__":
    main()
