"""Fit and check the event confidence model (`extractors/tagging/confidence.py`) on the annotated sets.

Usage: python bench/calibrate.py [--fit] [--folds K] [--out bench/results/calibration.md]
Tags dev, dev2 (../shared/eval, when present) and the bundled sample; an event is right when its
(agency, technology) is in the gold and its action is the gold's. Without --fit the current WEIGHTS are
scored and the reliability table by confidence bin is written to --out; with --fit a logistic regression
(L2, gradient descent) is fitted on the same events and its weights printed, to be pasted into
confidence.py. The sets are few and also steer the rules, so the in-sample table is no promise: the report
also gives a cross-validated table, each document's events scored by weights fitted without that document
(K folds of documents, K = --folds), which is what the confidence is worth on articles it has not seen.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval import DEFAULT_SETS, Aliases, load_jsonl, load_sample, tech_key  # noqa: E402

BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.01)


def labelled_events(gold: dict[str, Any], al: Aliases) -> list[tuple[Any, float, bool, str]]:
    """(signals, confidence, right, document id) for every event the tagger finds in a gold set."""
    from oversight.extractors.tagger import load_tagger
    from oversight.schemas.records import Article

    arts = [Article(article_id=i, url=f"gold:{i}", title=d.get("title", ""), text=d.get("text", ""),
                    published=datetime.fromisoformat(d["published"]) if d.get("published") else None)
            for i, d in gold.items()]
    out = []
    for art, (_, drafts) in zip(arts, load_tagger().tag_with_drafts(arts), strict=True):
        truth = {(al.resolve("agency", e["agency"]), tech_key(e["technology"])): e["action"]
                 for e in gold[art.article_id]["gold"]["events"]}
        for d in drafts:
            key = (al.resolve("agency", d.agency.name), d.technology)
            out.append((d.signals, d.confidence, truth.get(key) == d.action, str(art.article_id)))
    return out


def fit(rows: list[tuple[list[float], bool]], l2: float = 0.01, steps: int = 8000, rate: float = 0.3) -> list[float]:
    """Logistic regression weights by batch gradient descent with an L2 penalty (bias not penalised)."""
    import numpy as np

    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([float(r[1]) for r in rows])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        grad = x.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]]
        w -= rate * grad
    return [round(float(v), 2) for v in w]


def cross_validated(events: dict[str, list[tuple[Any, float, bool, str]]], folds: int) -> dict[str, list[tuple[Any, float, bool, str]]]:
    """The same events with each confidence recomputed by weights fitted on the other folds' documents
    (documents go to folds by a stable hash of set and id, so a document's events stay together)."""
    import zlib

    from oversight.extractors.tagging.confidence import confidence, features

    def fold(name: str, doc: str) -> int:
        return zlib.crc32(f"{name}/{doc}".encode()) % folds

    out: dict[str, list[tuple[Any, float, bool, str]]] = {name: [] for name in events}
    for k in range(folds):
        train = [(features(r[0]), r[2]) for name, rows in events.items() for r in rows if fold(name, r[3]) != k]
        weights = tuple(fit(train))
        for name, rows in events.items():
            out[name] += [(r[0], confidence(r[0], weights), r[2], r[3]) for r in rows if fold(name, r[3]) == k]
    return out


def reliability(events: dict[str, list[tuple[Any, float, bool, str]]]) -> str:
    """A Markdown reliability table: per set and overall, events and share right by confidence bin."""
    every = [e for rows in events.values() for e in rows]
    lines = ["| confidence | " + " | ".join(f"{name} (n, right)" for name in [*events, "all"]) + " |",
             "|---|" + "---|" * (len(events) + 1)]
    for lo, hi in zip(BINS, BINS[1:], strict=False):
        cells = []
        for rows in [*events.values(), every]:
            inbin = [r for r in rows if lo <= r[1] < hi]
            right = sum(r[2] for r in inbin)
            cells.append(f"{len(inbin)}, {right / len(inbin):.2f}" if inbin else "0, -")
        lines.append(f"| {lo:.1f}-{min(hi, 1.0):.1f} | " + " | ".join(cells) + " |")
    hi_conf = [r for r in every if r[1] >= 0.8]
    share = sum(r[2] for r in hi_conf) / len(hi_conf) if hi_conf else 0.0
    lines.append("")
    lines.append(f"Events with confidence >= 0.8: {len(hi_conf)} of {len(every)}, right {share:.3f} "
                 f"(bar: >= 0.90). Mean confidence {sum(r[1] for r in every) / len(every):.3f}, "
                 f"share right {sum(r[2] for r in every) / len(every):.3f}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from oversight.extractors.tagging.confidence import FEATURES, features

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="fit new weights and print them")
    ap.add_argument("--folds", type=int, default=5, help="folds of documents for the cross-validated table")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "calibration.md")
    a = ap.parse_args(argv)
    al = Aliases()
    sets = {p.stem: load_jsonl(p) for p in DEFAULT_SETS if p.exists()}
    sets["sample"] = load_sample()
    events = {name: labelled_events(gold, al) for name, gold in sets.items()}
    if a.fit:
        weights = fit([(features(r[0]), r[2]) for rows in events.values() for r in rows])
        print("WEIGHTS = (" + ", ".join(map(str, weights)) + ")")
        print("  # " + ", ".join(FEATURES))
        return 0
    table = reliability(events)
    held_out = reliability(cross_validated(events, a.folds))
    a.out.write_text(f"# Event confidence: reliability by bin\n\n`python bench/calibrate.py` on {date.today()}: "
                     "the tagger's events on each annotated set, how many fall in each confidence bin and the "
                     "share of those that are right (the pair is in the gold and the action is the gold's).\n\n"
                     "## Out of sample (cross-validated)\n\n"
                     f"Each document's events scored by weights fitted on the other documents ({a.folds} folds of "
                     "documents, the same fit as `--fit`): what the confidence is worth on unseen articles. "
                     "The rules were still written while reading these sets, so even this is optimistic "
                     "about articles unlike them.\n\n"
                     f"{held_out}\n\n"
                     "## In sample\n\nThe shipped weights (`confidence.WEIGHTS`), fitted on all of these events.\n\n"
                     f"{table}\n", encoding="utf-8")
    print("out of sample (cross-validated):\n" + held_out + "\n\nin sample:\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
