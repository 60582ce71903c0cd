"""Build the tagger's shipped gazetteer files from shared/data plus the curated files in sources/.

Run from the repository root: `python -m extractors.gazetteers.build [--shared ../shared/data]`.
Users do not have shared/data, so the outputs are committed next to this script.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
DEFAULT_SHARED = HERE.parents[2] / "shared" / "data"

# FBI CDE writes Nebraska as NB and Guam as GM; the contract uses postal codes.
STATE_FIXES = {"NB": "NE", "GM": "GU"}
# Agency types that are not law-enforcement buyers of surveillance tech in the contract's sense.
SKIP_TYPES = {"University or College"}

# Corrections to atlas_taxonomy_seed.json after checking each entry (the seed marks them verify=true).
# Each canonical name below is kept separate from its parent company because reporting (and
# score_tags.py's alias table) names the subsidiary itself.
SEED_CORRECTIONS = {
    "Axon": "Fusus is kept as its own vendor (acquired 2024 but still sold and reported as Fusus).",
    "SoundThinking": "PredPol/Geolitica kept as vendor PredPol: SoundThinking bought assets, not the brand.",
    "Motorola Solutions": "Vigilant Solutions, WatchGuard and Avigilon kept as their own vendors.",
    "Amazon": "Ring / Neighbors kept as vendor Ring; Amazon keeps Rekognition.",
    "Palantir Technologies": "canonical 'Palantir'; FALCON, ICM and Gotham dropped as aliases (too ambiguous).",
    "L3Harris": "'Harris' alone dropped (a surname); Stingray/Hailstorm are products.",
    "Penlink": "Cobwebs kept as its own vendor (acquired 2023).",
    "Dataminr": "'First Alert' is a product, not an alias.",
    "Leonardo ELSAG": "canonical 'Leonardo'; 'Leonardo' alone dropped as an alias (a given name).",
}


# Federal Register agencies under Justice, Homeland Security or Defense, or named like a police,
# intelligence or military body, run surveillance technology themselves; the rest regulate.
OPERATOR_PARENTS = {"268", "227", "103"}
OPERATOR_NAME = re.compile(r"Intelligence|Investigat|Enforcement|Police|Marshal|Prisons|Secret Service|"
                           r"Army|Navy|Air Force|Coast Guard|Security Agency")


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def build_us_agencies(shared: Path) -> list[list[str]]:
    """Rows (name, type, county, state, ori) from the FBI CDE 2018 agency list."""
    rows: list[list[str]] = []
    with (shared / "agencies" / "fbi_cde_agencies_2018.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if rec["agency_type_name"] in SKIP_TYPES or not rec["agency_name"].strip():
                continue
            state = STATE_FIXES.get(rec["state_abbr"], rec["state_abbr"])
            county = rec["county_name"].title()
            rows.append([rec["agency_name"].strip(), rec["agency_type_name"], county, state, rec["ori"]])
    rows.sort(key=lambda r: (r[3], r[0], r[4]))
    return rows


def build_federal(shared: Path) -> list[dict[str, Any]]:
    """Curated federal agencies, plus every other Federal Register agency by name."""
    curated = _read_json(SOURCES / "federal.json")["agencies"]
    by_id = {a["fr_id"]: a for a in curated if a["fr_id"]}
    out = [dict(a) for a in curated]
    with (shared / "agencies" / "federal_register_agencies_2016.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if rec["id"] in by_id:
                entry = next(e for e in out if e["fr_id"] == rec["id"])
                if rec["name"] not in entry["aliases"] and rec["name"] != entry["name"]:
                    entry["aliases"].append(rec["name"])
                continue
            # Uncurated agencies are matched by full name only: their short names (ARC, NEC, USA)
            # collide with ordinary words and companies.
            out.append({"slug": rec["slug"], "fr_id": rec["id"], "name": rec["name"],
                        "aliases": _natural_order(rec["name"]), "acronyms": [],
                        "operates": rec["parent_id"] in OPERATOR_PARENTS or bool(OPERATOR_NAME.search(rec["name"]))})
    # Non-US national forces share the federal treatment: matched by name, state always null.
    for a in _read_json(SOURCES / "federal.json")["foreign"]:
        out.append({**a, "slug": "intl:" + a["slug"], "fr_id": ""})
    return out


def _natural_order(name: str) -> list[str]:
    """Reporters' word order for inverted Federal Register names: "Commerce Department" ->
    "Department of Commerce", "U.S. Department of Commerce"; "Prisons Bureau" -> "Bureau of Prisons"."""
    for head in ("Department", "Bureau", "Office", "Administration", "Agency", "Service"):
        if name.endswith(" " + head) and "," not in name:
            body = name[: -len(head) - 1]
            if head == "Department":
                return [f"Department of {body}", f"U.S. Department of {body}"]
            return [f"{head} of {body}"]
    return []


def build_vendors(shared: Path) -> list[dict[str, Any]]:
    """Curated vendors, checked against the Atlas seed: every seed vendor must be covered."""
    vendors: list[dict[str, Any]] = _read_json(SOURCES / "vendors.json")["vendors"]
    known = {n for v in vendors for n in [v["name"], *v["aliases"], *v["ambiguous"], *v["products"]]}
    seed = _read_json(shared / "atlas" / "atlas_taxonomy_seed.json")
    missing = [s["canonical"] for s in seed["vendors"] if s["canonical"] not in known
               and s["canonical"] not in SEED_CORRECTIONS]
    if missing:
        raise SystemExit(f"atlas seed vendors not covered by sources/vendors.json: {missing}")
    for s in seed["vendors"]:
        for n in s["atlas_vendor_string_rows"] if "atlas_vendor_string_rows" in s else {}:
            if n not in known:
                print(f"note: Atlas spelling {n!r} ({s['canonical']}) not in vendors.json", file=sys.stderr)
    return vendors


def build_technologies() -> dict[str, Any]:
    """Technology terms with simple plural forms added, so the matcher needs no lemmatizer."""
    techs: dict[str, Any] = _read_json(SOURCES / "technologies.json")["technologies"]
    for spec in techs.values():
        terms = {t.lower() for t in spec["terms"]}
        for t in list(terms):
            terms.add(_plural(t))
        spec["terms"] = sorted(terms)
    return techs


def _plural(term: str) -> str:
    """English plural of a term's last word (search -> searches, policy -> policies, camera -> cameras)."""
    if term.endswith(("s", "x", "z", "ch", "sh")):
        return term if term.endswith("s") else term + "es"
    if term.endswith("y") and term[-2:-1] not in "aeiou":
        return term[:-1] + "ies"
    return term + "s"


def _federal_payload(shared: Path) -> dict[str, Any]:
    agencies = build_federal(shared)
    curated = _read_json(SOURCES / "federal.json")
    operators = sorted(set(curated["operators"]) | {a["slug"] for a in agencies if a.pop("operates", False)})
    return {"agencies": agencies, "city_acronyms": curated["city_acronyms"], "operators": operators}


def write_outputs(shared: Path, out_dir: Path) -> str:
    """Write every built file and return the content hash that goes into the tagger version."""
    us = build_us_agencies(shared)
    with gzip.GzipFile(out_dir / "us_agencies.tsv.gz", "wb", mtime=0) as gz:
        gz.write("".join("\t".join(r) + "\n" for r in us).encode("utf-8"))
    payloads = {
        "federal_agencies.json": _federal_payload(shared),
        "vendors.json": {"vendors": build_vendors(shared)},
        "technologies.json": {"technologies": build_technologies()},
        "places.json": _read_json(SOURCES / "places.json"),
    }
    for name, data in payloads.items():
        (out_dir / name).write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                                    encoding="utf-8")
    digest = hashlib.sha256()
    for name in sorted([*payloads, "us_agencies.tsv.gz"]):
        digest.update((out_dir / name).read_bytes())
    return digest.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="path to shared/data")
    parser.add_argument("--out", type=Path, default=HERE / "built", help="output directory")
    args = parser.parse_args(argv)
    if not (args.shared / "agencies").is_dir():
        print(f"error: {args.shared}/agencies not found; pass --shared PATH_TO_shared/data", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"gazetteers built in {args.out}, hash {write_outputs(args.shared, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
