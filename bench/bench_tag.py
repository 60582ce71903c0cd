"""Benchmark the full tagger against raw en_core_web_sm NER on the same corpus (`make bench-tag`).

Usage: python -m bench.bench_tag [--gold DEV.jsonl] [--docs 500] [--batch-size 32]
The corpus is the dev texts repeated to --docs documents. Both runs use nlp.pipe with the same batch
size in one process, timed slice by slice in alternating order so that load from other processes hits
both alike; the report gives wall and CPU words/s for each, their ratios and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_GOLD = ROOT.parent / "shared" / "eval" / "dev.jsonl"
MIN_RATIO = 0.70
MAX_RSS_MB = 1536


def load_corpus(path: Path, n_docs: int) -> list[tuple[str, str]]:
    """(title, text) pairs: the file's documents repeated up to n_docs."""
    with path.open(encoding="utf-8") as fh:
        base = [(d.get("title", ""), d["text"]) for d in map(json.loads, filter(str.strip, fh))]
    return [base[i % len(base)] for i in range(n_docs)]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RawNer:
    """The baseline: the model's NER alone (plus nothing), as spaCy ships it."""

    def __init__(self, batch_size: int) -> None:
        import spacy

        from oversight.extractors.tagging.pipeline import EXCLUDE, MODEL

        self.nlp = spacy.load(MODEL, exclude=EXCLUDE)
        self.batch_size = batch_size

    def run(self, corpus: list[tuple[str, str]]) -> int:
        texts = [f"{t}\n\n{x}" if t else x for t, x in corpus]
        return sum(len(doc.ents) for doc in self.nlp.pipe(texts, batch_size=self.batch_size))


class FullTagger:
    """The product: Tagger.tag_articles, from Article records to TaggedArticle records."""

    def __init__(self, batch_size: int) -> None:
        from oversight.extractors.tagger import Tagger

        self.tagger = Tagger(batch_size=batch_size)

    def run(self, corpus: list[tuple[str, str]]) -> int:
        from oversight.schemas.records import Article

        arts = [Article(article_id=f"b{i}", url=f"bench:{i}", title=t, text=x) for i, (t, x) in enumerate(corpus)]
        return sum(len(t.events) for t in self.tagger.tag_articles(arts))


def timed(runner: RawNer | FullTagger, corpus: list[tuple[str, str]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one run."""
    w0, c0 = time.perf_counter(), time.process_time()
    runner.run(corpus)
    return time.perf_counter() - w0, time.process_time() - c0


def interleaved(corpus: list[tuple[str, str]], batch_size: int, rounds: int) -> dict[str, list[float]]:
    """Time both runners slice by slice, alternating which goes first, so that load from other
    processes on a shared machine falls on both alike."""
    runners = {"raw": RawNer(batch_size), "tagger": FullTagger(batch_size)}
    for r in runners.values():
        r.run(corpus[:batch_size])  # warm-up: first-batch allocations, caches
    totals = {"raw": [0.0, 0.0], "tagger": [0.0, 0.0]}
    step = -(-len(corpus) // rounds)
    for i in range(rounds):
        part = corpus[i * step:(i + 1) * step]
        order = ["raw", "tagger"] if i % 2 == 0 else ["tagger", "raw"]
        for name in order:
            wall, cpu = timed(runners[name], part)
            totals[name][0] += wall
            totals[name][1] += cpu
    return totals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="JSONL with title/text per line")
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=6, help="slices timed alternately (noise control)")
    a = ap.parse_args(argv)
    if not a.gold.exists():
        print(f"error: corpus {a.gold} not found; pass --gold PATH", file=sys.stderr)
        return 2
    corpus = load_corpus(a.gold, a.docs)
    words = sum(len(f"{t} {x}".split()) for t, x in corpus)
    totals = interleaved(corpus, a.batch_size, a.rounds)
    (raw_s, raw_cpu), (tag_s, tag_cpu) = totals["raw"], totals["tagger"]
    raw_wps, tag_wps = words / raw_s, words / tag_s
    ratio, rss = tag_wps / raw_wps, peak_rss_mb()
    print(f"corpus: {len(corpus)} docs, {words} words, batch_size={a.batch_size}, {a.rounds} interleaved rounds")
    print(f"raw spaCy NER : {raw_wps:>9,.0f} words/s wall ({raw_s:.2f} s), {words / raw_cpu:>9,.0f} words/s CPU")
    print(f"full tagger   : {tag_wps:>9,.0f} words/s wall ({tag_s:.2f} s), {words / tag_cpu:>9,.0f} words/s CPU")
    print(f"ratio         : {ratio:.2f} wall, {raw_cpu / tag_cpu:.2f} CPU (bar >= {MIN_RATIO:.2f})")
    print(f"peak RSS      : {rss:,.0f} MB (bar <= {MAX_RSS_MB} MB)")
    ok = ratio >= MIN_RATIO and rss <= MAX_RSS_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
