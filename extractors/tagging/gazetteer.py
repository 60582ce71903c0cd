"""Load the shipped gazetteer files (extractors/gazetteers/built) into lookup tables for the tagger."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

BUILT = Path(__file__).resolve().parent.parent / "gazetteers" / "built"


@dataclass(frozen=True)
class UsAgency:
    """One FBI CDE agency row."""

    name: str
    kind: str
    county: str
    state: str
    ori: str


@dataclass(frozen=True)
class VendorTerm:
    """A surface form that resolves to a vendor (company name, alias or product)."""

    vendor: str
    technology: str | None  # set for products: the technology the product is
    ambiguous: bool
    is_product: bool


@dataclass
class Gazetteer:
    """Every lookup table the tagger needs, loaded once per process."""

    version: str
    tech_terms: dict[str, list[str]]
    tech_acronyms: dict[str, list[str]]
    tech_exclude: dict[str, set[str]]
    vendor_terms: dict[str, VendorTerm]
    vendor_techs: dict[str, list[str]]
    vendor_implies: dict[str, list[str]]
    vendor_parent: dict[str, str]
    federal_names: dict[str, tuple[str, str]]  # surface -> (slug, canonical name)
    federal_acronyms: dict[str, tuple[str, str]]
    city_acronyms: dict[str, tuple[str, str | None]]
    federal_operators: set[str] = field(default_factory=set)
    us_by_name: dict[str, list[UsAgency]] = field(default_factory=dict)
    places_by_name: dict[str, set[str]] = field(default_factory=dict)  # city/county key -> states
    state_names: dict[str, str] = field(default_factory=dict)  # "Minnesota" -> MN
    state_abbrevs: dict[str, str] = field(default_factory=dict)  # "Minn." -> MN
    dateline_cities: dict[str, str] = field(default_factory=dict)
    non_us: set[str] = field(default_factory=set)
    non_us_force_words: list[str] = field(default_factory=list)

    @cached_property
    def state_pattern(self) -> re.Pattern[str]:
        """Any state name or abbreviation as a whole word ("Minnesota", "Minn."), longest first."""
        names = sorted([*self.state_names, *self.state_abbrevs], key=len, reverse=True)
        return re.compile(rf"(?<![\w.])({'|'.join(re.escape(n) for n in names)})(?![\w])")


def name_key(name: str) -> str:
    """Normalise an agency name for lookups: case, apostrophes, punctuation, Dept./PD forms."""
    s = name.lower().replace("\u2019", "'").replace("&", " and ")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"\bst\.", "saint", s)
    s = re.sub(r"[^\w\s]", " ", s)
    toks = [("department" if t in ("dept", "dpt") else t) for t in s.split()]
    if toks and toks[0] == "the":
        toks = toks[1:]
    if len(toks) > 1 and toks[-1] == "pd":
        toks = [*toks[:-1], "police", "department"]
    return " ".join(toks)


def _load_json(name: str) -> Any:
    with (BUILT / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def _load_vendors(gaz: Gazetteer) -> None:
    for v in _load_json("vendors.json")["vendors"]:
        name = v["name"]
        gaz.vendor_techs[name] = list(v["technologies"])
        gaz.vendor_implies[name] = list(v["implies"])
        if v.get("parent"):
            gaz.vendor_parent[name] = v["parent"]
        ambiguous = set(v["ambiguous"])
        for alias in [name, *v["aliases"]]:
            gaz.vendor_terms.setdefault(alias, VendorTerm(name, None, alias in ambiguous, False))
        for product, tech in v["products"].items():
            gaz.vendor_terms.setdefault(product, VendorTerm(name, tech, product in ambiguous, True))
        for alias in ambiguous - set(v["products"]):
            gaz.vendor_terms.setdefault(alias, VendorTerm(name, None, True, False))


def _load_agencies(gaz: Gazetteer) -> None:
    with gzip.open(BUILT / "us_agencies.tsv.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            name, kind, county, state, ori = line.rstrip("\n").split("\t")
            row = UsAgency(name, kind, county, state, ori)
            gaz.us_by_name.setdefault(name_key(name), []).append(row)
            _index_place(gaz, row)
    fed = _load_json("federal_agencies.json")
    for a in fed["agencies"]:
        for surface in [a["name"], *a["aliases"]]:
            gaz.federal_names.setdefault(surface, (a["slug"], a["name"]))
        for acr in a["acronyms"]:
            gaz.federal_acronyms[acr] = (a["slug"], a["name"])
    gaz.federal_operators = set(fed["operators"])
    for acr, val in fed["city_acronyms"].items():
        if not acr.startswith("_"):
            gaz.city_acronyms[acr] = (val[0], val[1])


def _index_place(gaz: Gazetteer, row: UsAgency) -> None:
    """Places (city or county names) that have an agency, with their states, for state resolution."""
    m = re.match(r"(.+?) (?:County )?(?:Police Department|Sheriff's Office|Police)$", row.name)
    if m:
        gaz.places_by_name.setdefault(name_key(m.group(1)), set()).add(row.state)
    for county in row.county.split("; "):
        if county:
            gaz.places_by_name.setdefault(name_key(county) + " county", set()).add(row.state)


def _load_places(gaz: Gazetteer) -> None:
    places = _load_json("places.json")
    for code, name, abbrevs in places["states"]:
        gaz.state_names[name] = code
        for ab in abbrevs:
            gaz.state_abbrevs[ab] = code
    gaz.dateline_cities = dict(places["dateline_cities"])
    gaz.non_us = set(places["non_us"])
    gaz.non_us_force_words = list(places["non_us_force_words"])


def _version() -> str:
    digest = hashlib.sha256()
    for path in sorted(BUILT.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


@lru_cache(maxsize=1)
def load_technologies() -> dict[str, Any]:
    """The technologies by contract slug, each with its surface `terms`, case-sensitive `acronyms`, `label` and
    `exclude_context` words (technologies.json alone: search reads it without the agency tables)."""
    return dict(_load_json("technologies.json")["technologies"])


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Load every gazetteer file once per process."""
    techs = load_technologies()
    gaz = Gazetteer(
        version=_version(),
        tech_terms={slug: list(spec["terms"]) for slug, spec in techs.items()},
        tech_acronyms={slug: list(spec["acronyms"]) for slug, spec in techs.items()},
        tech_exclude={slug: {w.lower() for w in spec["exclude_context"]} for slug, spec in techs.items()},
        vendor_terms={}, vendor_techs={}, vendor_implies={}, vendor_parent={},
        federal_names={}, federal_acronyms={}, city_acronyms={},
    )
    _load_vendors(gaz)
    _load_agencies(gaz)
    _load_places(gaz)
    return gaz
