"""Score the tagger against a gold JSONL file in the evaluation contract's format (`make eval`).

Usage: python -m bench.eval [--gold GOLD.jsonl] [--pred PRED.jsonl] [--out PRED.jsonl] [--json] [--per-doc]
Without --gold it scores dev.jsonl and dev2.jsonl (../shared/eval, when present) and the bundled sample.
Without --pred the tagger runs on the gold documents first. Scoring follows CONTRACT.md: per document and
field, set-based, micro-averaged; names match after normalisation or through the project's own aliases
(the gazetteers); events match on (agency, technology), vendor and action are accuracies over matches.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED_EVAL = ROOT.parent / "shared" / "eval"
# The sets `make eval` scores when no --gold is given: the shared dev sets when present, and always the
# bundled sample's gold (flows/sample/expected.json), whose pages are extracted first.
DEFAULT_SETS = (SHARED_EVAL / "dev.jsonl", SHARED_EVAL / "dev2.jsonl")
SAMPLE_DIR = ROOT / "flows" / "sample"
FIELDS = ("agencies", "vendors", "technologies", "events")
_SUFFIXES = {"inc", "llc", "corp", "corporation", "ltd", "incorporated", "plc", "co"}


def normalize(name: Any) -> str | None:
    """Case, accents, punctuation, a leading 'the', company suffixes, Dept./PD and 's variants."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().replace("\u2019", "'")
    s = re.sub(r"\bu\.\s?s\.", "us ", s).replace("&", " and ")
    s = re.sub(r"'s\b", "", s)
    toks = re.sub(r"[^\w\s]", " ", s).split()
    toks = toks[1:] if toks[:1] == ["the"] else toks
    toks = ["department" if t in ("dept", "dpt") else t for t in toks]
    while len(toks) > 1 and toks[-1] in _SUFFIXES:
        toks.pop()
    if len(toks) > 1 and toks[-1] == "pd":
        toks = [*toks[:-1], "police", "department"]
    return " ".join(toks) or None


class Aliases:
    """Alias -> canonical maps taken from the project's gazetteers (vendors, products, agency acronyms)."""

    def __init__(self) -> None:
        from oversight.extractors.tagging.gazetteer import load_gazetteer

        gaz = load_gazetteer()
        self.vendor: dict[str, str] = {}
        for surface, term in gaz.vendor_terms.items():
            self._add(self.vendor, surface, term.vendor)
        self.agency: dict[str, str] = {}
        for surface, (_slug, name) in {**gaz.federal_names, **gaz.federal_acronyms}.items():
            self._add(self.agency, surface, name)
        for acr, (name, _state) in gaz.city_acronyms.items():
            self._add(self.agency, acr, name)

    @staticmethod
    def _add(table: dict[str, str], alias: str, canonical: str) -> None:
        a, c = normalize(alias), normalize(canonical)
        if a and c:
            table.setdefault(a, c)
            table.setdefault(c, c)

    def resolve(self, kind: str, name: Any) -> str | None:
        n = normalize(name)
        table = self.vendor if kind == "vendor" else self.agency
        return table.get(n, n) if n else None


def tech_key(t: Any) -> str | None:
    return re.sub(r"[\s\-]+", "_", str(t).strip().lower()) or None if t is not None else None


def _items(obj: dict[str, Any], al: Aliases) -> tuple[dict[str, Any], set[str], set[str], dict[Any, Any]]:
    ag: dict[str, Any] = {}
    for a in obj.get("agencies") or []:
        key = al.resolve("agency", a.get("name") if isinstance(a, dict) else a)
        if key and key not in ag:
            ag[key] = a.get("state") if isinstance(a, dict) else None
    ve = {al.resolve("vendor", v.get("name") if isinstance(v, dict) else v) for v in obj.get("vendors") or []}
    te = {tech_key(t) for t in obj.get("technologies") or []}
    ev: dict[Any, Any] = {}
    for e in obj.get("events") or []:
        key = (al.resolve("agency", e.get("agency")), tech_key(e.get("technology")))
        if None not in key and key not in ev:
            ev[key] = (al.resolve("vendor", e.get("vendor")), str(e.get("action") or "").lower() or None)
    return ag, ve - {None}, te - {None}, ev


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else float(tp + fn == 0)
    r = tp / (tp + fn) if tp + fn else float(tp + fp == 0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _score_doc(g: tuple[Any, ...], p: tuple[Any, ...], cnt: dict[str, list[int]],
               acc: dict[str, int], row: dict[str, Any]) -> None:
    """Add one document's counts to the corpus totals and note its misses in `row`."""
    for i, f in enumerate(FIELDS):
        gs, ps = set(g[i]), set(p[i])
        counts = (len(gs & ps), len(ps - gs), len(gs - ps))
        cnt[f] = [a + b for a, b in zip(cnt[f], counts, strict=True)]
        row[f] = {"missed": sorted(map(str, gs - ps)), "extra": sorted(map(str, ps - gs))}
    for k in set(g[0]) & set(p[0]):
        acc["agencies"] += 1
        acc["state"] += int((g[0][k] or None) == (p[0][k] or None))
    for k in set(g[3]) & set(p[3]):
        acc["events"] += 1
        acc["vendor"] += int(g[3][k][0] == p[3][k][0])
        acc["action"] += int(g[3][k][1] == p[3][k][1])
        if g[3][k] != p[3][k]:
            row.setdefault("event_diffs", []).append({"key": k, "gold": g[3][k], "pred": p[3][k]})


def score(gold: dict[str, Any], pred: dict[str, Any], al: Aliases) -> dict[str, Any]:
    """Micro-averaged P/R/F1 per field, event vendor/action accuracy, agency state accuracy."""
    cnt = {f: [0, 0, 0] for f in FIELDS}
    acc = {"vendor": 0, "action": 0, "events": 0, "state": 0, "agencies": 0}
    per_doc = []
    for did, gdoc in gold.items():
        row: dict[str, Any] = {"id": did}
        _score_doc(_items(gdoc.get("gold", {}), al), _items(pred.get(did, {}), al), cnt, acc, row)
        per_doc.append(row)
    res: dict[str, Any] = {}
    for f in FIELDS:
        pr, rc, f1 = _prf(*cnt[f])
        res[f] = {"precision": pr, "recall": rc, "f1": f1, "tp": cnt[f][0], "fp": cnt[f][1], "fn": cnt[f][2]}
    res["event_vendor_accuracy"] = acc["vendor"] / acc["events"] if acc["events"] else 0.0
    res["event_action_accuracy"] = acc["action"] / acc["events"] if acc["events"] else 0.0
    res["agency_state_accuracy"] = acc["state"] / acc["agencies"] if acc["agencies"] else 0.0
    res["overall_f1"] = sum(res[f]["f1"] for f in FIELDS) / len(FIELDS)
    res["per_doc"] = per_doc
    return res


def load_jsonl(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                out[d["id"]] = d
    return out


def load_sample() -> dict[str, Any]:
    """The bundled sample's pages, extracted as the pipeline does, with their gold, keyed by file name."""
    from oversight.extractors.article import extract_page

    out: dict[str, Any] = {}
    for g in json.loads((SAMPLE_DIR / "expected.json").read_text(encoding="utf-8")):
        html = (SAMPLE_DIR / "pages" / g["file"]).read_text(encoding="utf-8")
        page = extract_page(html, f"http://sample.invalid/pages/{g['file']}")
        gold = {k: g[k] for k in FIELDS}
        out[g["file"]] = {"id": g["file"], "title": page.title, "text": page.text,
                          "published": page.published.isoformat() if page.published else None, "gold": gold}
    return out


def run_tagger(gold: dict[str, Any]) -> dict[str, Any]:
    """Tag the gold documents and return contract records by id."""
    from oversight.extractors.tagger import contract_record, load_tagger
    from oversight.schemas.records import Article

    arts = [Article(article_id=i, url=f"gold:{i}", title=d.get("title", ""), text=d.get("text", ""),
                    published=datetime.fromisoformat(d["published"]) if d.get("published") else None)
            for i, d in gold.items()]
    t0 = time.perf_counter()
    tagged = load_tagger().tag_articles(arts)
    print(f"tagged {len(arts)} docs in {time.perf_counter() - t0:.2f}s", file=sys.stderr)
    return {a.article_id: contract_record(a.article_id, t) for a, t in zip(arts, tagged, strict=True)}


def print_table(res: dict[str, Any]) -> None:
    print(f"{'field':<14}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
    for f in FIELDS:
        r = res[f]
        print(f"{f:<14}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['tp']:>6}{r['fp']:>6}{r['fn']:>6}")
    print(f"event vendor accuracy   {res['event_vendor_accuracy']:.3f}")
    print(f"event action accuracy   {res['event_action_accuracy']:.3f}")
    print(f"agency state accuracy   {res['agency_state_accuracy']:.3f}")
    print(f"overall F1              {res['overall_f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, help="one gold JSONL set (default: dev, dev2 and the sample)")
    ap.add_argument("--pred", type=Path, help="score these predictions instead of running the tagger")
    ap.add_argument("--out", type=Path, help="write the tagger's predictions here (JSONL)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--per-doc", action="store_true", help="print the misses and extras of each document")
    a = ap.parse_args(argv)
    if a.gold is None:
        if a.pred or a.out:
            print("error: --pred and --out need one --gold set", file=sys.stderr)
            return 2
        for path in [p for p in DEFAULT_SETS if p.exists()] + [None]:
            print(f"== {path.name if path else 'the bundled sample (flows/sample/expected.json)'}")
            _report(load_jsonl(path) if path else load_sample(), None, None, a.json, a.per_doc)
        return 0
    if not a.gold.exists():
        print(f"error: gold file {a.gold} not found; pass --gold PATH", file=sys.stderr)
        return 2
    return _report(load_jsonl(a.gold), a.pred, a.out, a.json, a.per_doc)


def _report(gold: dict[str, Any], pred_path: Path | None, out: Path | None, as_json: bool, per_doc: bool) -> int:
    pred = load_jsonl(pred_path) if pred_path else run_tagger(gold)
    if out:
        out.write_text("".join(json.dumps(pred[i]) + "\n" for i in gold if i in pred), encoding="utf-8")
    res = score(gold, pred, Aliases())
    if as_json:
        print(json.dumps({k: v for k, v in res.items() if per_doc or k != "per_doc"}, indent=2, default=str))
        return 0
    if per_doc:
        for row in res["per_doc"]:
            diffs = {k: v for k, v in row.items() if k != "id" and v and (not isinstance(v, dict) or any(v.values()))}
            if diffs:
                print(row["id"], json.dumps(diffs, default=str))
    print_table(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
