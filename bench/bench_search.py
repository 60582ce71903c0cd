"""Search quality on a judged query set: precision at 5 over the bundled sample (`make bench-search`).

    python -m bench.bench_search [--home DIR] [--judged bench/data/search_judged.json] [--out FILE]

Without --home it lands the sample first (`oversight run --sample` into a temporary OVERSIGHT_HOME, served on
a loopback port). For each judged query: the top 5 hits of `warehouse.search.search`, P@5 (relevant hits in
the top 5, over 5), the best P@5 the judgments allow (min(relevant, 5) / 5), and over the whole result list
a researcher sees (up to 20 hits, `oversight search`'s default): how many hits, how many of them are not
relevant, and the precision of the list (relevant hits over hits shown; 1.00 for an empty list). The mean of
each over the queries ends the table.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JUDGED = ROOT / "bench" / "data" / "search_judged.json"
K = 5
SHOWN = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def land_sample(home: Path) -> None:
    env = {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_SAMPLE_PORT": str(_free_port()),
           "OVERSIGHT_BUS": "embedded"}
    subprocess.run([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True, timeout=600)


def page_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def evaluate(home: Path, judged: Path) -> list[tuple[str, list[str], set[str]]]:
    """(query, top-5 page names, relevant page names) for each judged query."""
    from oversight.schemas.settings import load_settings
    from oversight.warehouse.search import search, searching

    queries = json.loads(judged.read_text(encoding="utf-8"))["queries"]
    out = []
    with searching(load_settings(home=home).lake) as con:
        for q in queries:
            hits = search(con, q["query"], limit=SHOWN)
            out.append((q["query"], [page_of(h.url) for h in hits], set(q["relevant"])))
    return out


def report(results: list[tuple[str, list[str], set[str]]]) -> str:
    rows = ["| query | P@5 | best possible P@5 | hits shown | not relevant among them | precision of the list |",
            "|---|---|---|---|---|---|"]
    sums = [0.0] * 5
    for query, hits, relevant in results:
        good_top = sum(1 for page in hits[:K] if page in relevant)
        good = sum(1 for page in hits if page in relevant)
        values = [good_top / K, min(len(relevant), K) / K, float(len(hits)), float(len(hits) - good),
                  good / len(hits) if hits else 1.0]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        rows.append(f"| `{query}` | {values[0]:.2f} | {values[1]:.2f} | {len(hits)} | {len(hits) - good} | "
                    f"{values[4]:.2f} |")
    n = len(results)
    rows.append(f"| **mean over {n} queries** | **{sums[0] / n:.3f}** | {sums[1] / n:.3f} | {sums[2] / n:.2f} | "
                f"**{sums[3] / n:.2f}** | **{sums[4] / n:.3f}** |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an OVERSIGHT_HOME with the sample landed (default: land it)")
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home
        if home is None:
            home = Path(tmp) / "home"
            land_sample(home)
        table = report(evaluate(home, args.judged))
    print(table, end="")
    if args.out:
        args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
