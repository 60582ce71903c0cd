"""End-to-end throughput from feed to DuckDB: `oversight run` on loopback corpora, both buses, naive beside it.

Usage: python bench/bench_e2e.py [--synthetic N] [--no-kafka] [--no-naive] [--out bench/results/e2e.md]
Marginal throughput = articles / (time of the run - time of the same run with empty feeds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import CorpusServer  # noqa: E402
from bench.naive_pipeline import run_naive  # noqa: E402


@dataclass
class Run:
    corpus: str
    bus: str
    articles: int
    seconds: float
    peak_rss_mb: float
    stage_ms: dict[str, int]


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_oversight(opml: Path, env: dict[str, str]) -> Run:
    """One `oversight run --feeds OPML --force` in a fresh home; wall time and the process tree's peak RSS."""
    clock = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "oversight.flows", "run", "--feeds", str(opml), "--force"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watched, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(0.1)
    seconds = time.perf_counter() - clock
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"oversight run failed on {opml} (exit {proc.returncode}):\n{out[-2000:]}")
    last = json.loads((Path(env["OVERSIGHT_HOME"]) / "runs.jsonl").read_text().splitlines()[-1])
    outcomes = last["outcomes"]
    landed = outcomes.get("land.articles", 0)
    stage_ms = {k.split(".", 1)[1]: v for k, v in outcomes.items() if k.startswith("ms.")}
    return Run(opml.stem, env["OVERSIGHT_BUS"], landed, seconds, peak / 2**20, stage_ms)


def bus_env(bus: str, home: Path, bootstrap: str | None) -> dict[str, str]:
    env = {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_BUS": bus, "OVERSIGHT_PER_HOST_INTERVAL": "0",
           "OVERSIGHT_RESPECT_ROBOTS": "false", "OVERSIGHT_ALLOW_PRIVATE_NETWORKS": "true",
           "OVERSIGHT_MAX_PER_RUN": "100000", "PREFECT_HOME": str(home.parent / "prefect")}
    if bootstrap:
        env["OVERSIGHT_KAFKA_BOOTSTRAP"] = bootstrap
    return env


def bench_bus(corpus: CorpusServer, bus: str, tmp: Path, bootstrap: str | None, kinds: list[str]) -> list[Run]:
    runs = []
    # A warm-up run first: Prefect migrates a new PREFECT_HOME once (~10 s), which a user pays once, not per run.
    run_oversight(corpus.opml("empty", tmp / "empty.opml"), bus_env(bus, tmp / f"{bus}-warmup", bootstrap))
    for kind in ["empty", *kinds]:
        home = tmp / f"{bus}-{kind}"
        run = run_oversight(corpus.opml(kind, tmp / f"{kind}.opml"), bus_env(bus, home, bootstrap))
        runs.append(run)
        print(f"  {bus:8} {kind:5} {run.articles:6} articles in {run.seconds:6.1f} s, peak {run.peak_rss_mb:5.0f} MB",
              flush=True)
    return runs


def table(runs: list[Run], naive: tuple[int, float] | None, real_count: int) -> str:
    lines = [f"Machine: {platform.node()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB, "
             f"Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d}; command: `make bench-e2e`", "",
             "| corpus | bus | articles | run s | start-up s | marginal articles/s | extract /s | tag /s | land /s "
             "| peak RSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    startup = {r.bus: r.seconds for r in runs if r.corpus == "empty"}
    for r in runs:
        if r.corpus == "empty":
            lines.append(f"| (empty feeds) | {r.bus} | 0 | {r.seconds:.1f} | {r.seconds:.1f} | - | - | - | - "
                         f"| {r.peak_rss_mb:.0f} |")
            continue
        marginal = r.articles / max(1e-9, r.seconds - startup[r.bus])
        per = [f"{r.articles / (r.stage_ms[s] / 1000):.0f}" if r.stage_ms.get(s) else "-"
               for s in ("extract", "tag", "land")]
        lines.append(f"| {r.corpus} | {r.bus} | {r.articles} | {r.seconds:.1f} | {startup[r.bus]:.1f} | "
                     f"**{marginal:.1f}** | {' | '.join(per)} | {r.peak_rss_mb:.0f} |")
    if naive:
        n, s = naive
        lines.append(f"| real (naive: sequential, newspaper3k, full spaCy, INSERT per row) | - | {n} | {s:.1f} | - "
                     f"| **{n / s:.1f}** | - | - | - | - |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=10_000, help="synthetic articles (0 to skip)")
    parser.add_argument("--no-kafka", action="store_true")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "e2e.md")
    args = parser.parse_args()
    kinds = ["real"] + (["syn"] if args.synthetic else [])
    corpus = CorpusServer(args.synthetic)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp_name, corpus.running():
        tmp = Path(tmp_name)
        runs += bench_bus(corpus, "embedded", tmp, None, kinds)
        if not args.no_kafka:
            from tests.kafka_broker import start_broker

            broker = start_broker()
            try:
                runs += bench_bus(corpus, "kafka", tmp, broker.bootstrap, kinds)
            finally:
                broker.stop()
        naive = None if args.no_naive else run_naive(
            [f"{corpus.base}/real/{i}.html" for i in corpus.real_ids], tmp / "naive.duckdb")
    text = table(runs, naive, len(corpus.real_ids))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
