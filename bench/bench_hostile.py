"""Seconds each text-facing function takes on the hostile inputs of issue 14, at two sizes (linear: ~2x).

Usage: python bench/bench_hostile.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from oversight.extractors.article import extract_page  # noqa: E402
from oversight.extractors.feeds import _clean  # noqa: E402
from oversight.extractors.metadata import canonical_link, clean_authors  # noqa: E402
from oversight.extractors.tagging import actions  # noqa: E402
from oversight.schemas.records import Article  # noqa: E402


def _tag(text: str) -> object:
    from oversight.extractors.tagger import load_tagger

    body = "The police department said it used Clearview AI facial recognition. " * 20 + text
    return load_tagger().tag_articles([Article(article_id="x", url="http://a.example/x", title="Police",
                                               text=body, language="en")])


# (what, function, repeated fragment, sizes in characters): the cases the issue and its property tests found.
CASES: list[tuple[str, Callable[[str], object], str, tuple[int, int]]] = [
    ("feed summary cleaner", _clean, "<", (300_000, 600_000)),
    ("canonical link", lambda s: canonical_link(s, "http://a.example/x"), "<link rel=canonical ", (48_000, 96_000)),
    ("action modality", lambda s: actions.classify(s, 2026), "could test ", (88_000, 176_000)),
    ("clause split", actions.segments, " ", (400_000, 800_000)),
    ("byline split", lambda s: clean_authors([s]), " ", (400_000, 800_000)),
    ("page extraction, empty <p>", lambda s: extract_page(f"<html><body>{s}</body></html>", "http://a.example/x"),
     "<p>", (999_000, 1_998_000)),
    ("tagging, no full stop", _tag, "the police used Clearview AI facial recognition; ", (200_000, 400_000)),
    ("tagging, a run of punctuation", _tag, "&", (200_000, 400_000)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every input size")
    args = parser.parse_args()
    _tag("warm-up")
    print("| input | size | seconds | size x2 | seconds |\n|---|---|---|---|---|")
    for what, fn, fragment, sizes in CASES:
        times = []
        for size in sizes:
            text = fragment * int(size * args.scale // len(fragment))
            start = time.perf_counter()
            fn(text)
            times.append(time.perf_counter() - start)
        print(f"| {what} ({fragment!r}) | {int(sizes[0] * args.scale):,} | {times[0]:.3f} | "
              f"{int(sizes[1] * args.scale):,} | {times[1]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
