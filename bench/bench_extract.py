"""Extraction benchmark: newspaper3k, trafilatura and oversight's chain on the article-extraction-benchmark pages.

Metric (as in the data set's README): `\\w+` tokens compared as multisets of word 4-grams;
precision averaged over pages where the extractor returned text, recall over all pages,
F1 the harmonic mean of the two averages. A failure is an exception or empty text.
Every column runs through `extract_page`, so each includes the same date, author and
language post-processing; only the text extractor differs.

    python bench/bench_extract.py [--data DIR] [--out bench/results/extract.md] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # newspaper3k's tldextract stays offline
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oversight.extractors.article import extract_page  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
EXTRACTORS = ("newspaper3k", "trafilatura", "chain")
_WORD = re.compile(r"\w+")


@dataclass
class Score:
    """Running totals for one extractor."""

    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    failures: int = 0
    dated: int = 0
    millis: list[float] = field(default_factory=list)
    cpu_millis: list[float] = field(default_factory=list)

    @property
    def f1(self) -> float:
        p = statistics.fmean(self.precisions) if self.precisions else 0.0
        r = statistics.fmean(self.recalls) if self.recalls else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def grams(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text)
    return Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))


def score_page(score: Score, predicted: str, truth: str) -> None:
    expected = grams(truth)
    got = grams(predicted)
    overlap = sum((expected & got).values())
    if got:
        score.precisions.append(overlap / sum(got.values()))
    score.recalls.append(overlap / sum(expected.values()) if expected else 0.0)


def load_pages(data: Path, limit: int | None) -> list[tuple[str, str, str]]:
    """(url, html, ground-truth body) for every page in the data set."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        html = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages.append((truth[page_id]["url"], html, truth[page_id]["articleBody"]))
    return pages


def run(extractor: str, pages: list[tuple[str, str, str]]) -> Score:
    score = Score()
    extract_page(pages[0][1], pages[0][0], extractor=extractor)  # warm-up: imports and model loads
    for url, html, truth in pages:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            page = extract_page(html, url, extractor=extractor)
        except Exception as exc:  # a benchmark counts failures instead of stopping
            print(f"  {extractor} failed on {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            score.failures += 1
            score.recalls.append(0.0)
            continue
        score.millis.append((time.perf_counter() - started) * 1000)
        score.cpu_millis.append((time.process_time() - cpu_started) * 1000)
        if not page.text.strip():
            score.failures += 1
        score.dated += page.published is not None
        score_page(score, page.text, truth)
    return score


def table(scores: dict[str, Score], total: int) -> str:
    rows = ["| extractor | F1 | precision | recall | failures | publish date | median ms/page | mean ms/page "
            "| median CPU ms/page |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, s in scores.items():
        rows.append(
            f"| {name} | {s.f1:.3f} | {statistics.fmean(s.precisions):.3f} | {statistics.fmean(s.recalls):.3f} "
            f"| {s.failures} | {s.dated}/{total} ({100 * s.dated / total:.0f}%) "
            f"| {statistics.median(s.millis):.1f} | {statistics.fmean(s.millis):.1f} "
            f"| {statistics.median(s.cpu_millis):.1f} |"
        )
    return "\n".join(rows)


def _load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark directory (html/, ground-truth.json)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "extract.md")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (quick check)")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS))
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"no benchmark data in {args.data}; pass --data DIR (html/ + ground-truth.json)", file=sys.stderr)
        return 2
    pages = load_pages(args.data, args.limit)
    load_before = _load_average()
    scores = {name: run(name, pages) for name in args.extractors.split(",")}
    out = table(scores, len(pages))
    # Wall-clock ms depend on what else the machine runs; CPU ms much less so. Say which it was.
    header = (f"Extraction on {len(pages)} pages of article-extraction-benchmark "
              f"(word 4-gram P/R/F1; Python {platform.python_version()}, {platform.machine()}, "
              f"{os.cpu_count()} cores, one process; load average {load_before} before, "
              f"{_load_average()} after; `python bench/bench_extract.py`)\n\n")
    print(header + out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + out + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
