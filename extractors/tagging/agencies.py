"""Resolve agency hits to canonical agencies: one name, kind, place, state and stable id per agency."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oversight.extractors.tagging.gazetteer import Gazetteer, UsAgency, name_key
from oversight.extractors.tagging.places import PlaceEvidence
from oversight.extractors.tagging.spans import DocFacts, Hit

# Words where a name stops being the place and starts being the body ("Santa Cruz | City Council").
_ROLE_START = {"Police", "Sheriff's", "Sheriff", "Board", "Council", "Commission", "Department", "Bureau",
               "Office", "District", "State's", "Metropolitan", "Dept.", "PD", "Commissioners", "Patrol",
               "Constabulary", "Unified", "Independent", "Public", "Transit", "Division", "Marshals", "Common"}
_CITY_ROLE = {"Council", "Commission", "Board", "Police", "Hall", "Manager", "Attorney"}


@dataclass
class Agency:
    """One agency named in an article."""

    name: str
    key: str
    kind: str  # police, sheriff, legislative, oversight, prosecutor, federal, regulator, state, other
    place: str  # place key ("santa cruz", "cascade county"); "" when none
    state: str | None = None
    canonical_id: str = ""
    hits: list[Hit] = field(default_factory=list)

    @property
    def operates(self) -> bool:
        """Whether the agency runs technology itself (as opposed to voting on it)."""
        return self.kind in ("police", "sheriff", "prosecutor", "federal", "state", "other")


def place_of(name: str) -> str:
    """The jurisdiction part of an agency name, as a place key ("Culver City City Council" -> culver city)."""
    words = name.replace("\u2019", "'").split()
    if len(words) > 2 and words[0] in ("City", "Town", "Village", "County", "Township") and words[1] == "of":
        return name_key(" ".join(words[2:]) + (" county" if words[0] == "County" else ""))
    for i, w in enumerate(words):
        if w in _ROLE_START or (w == "State" and i + 1 < len(words) and words[i + 1] in ("Police", "Patrol")):
            place = words[:i]
            if w in _CITY_ROLE - {"Police"} and len(place) > 1 and place[-1] in ("City", "Town", "Village"):
                place = place[:-1]
            return name_key(" ".join(place))
    return ""


def kind_of(name: str) -> str:
    """Classify an agency by the words in its name."""
    if re.search(r"Police Commission|Board of Police|Civilian|Oversight|Inspector General", name):
        return "oversight"
    if re.search(r"Attorney", name):
        return "prosecutor"
    if re.search(r"Sheriff", name):
        return "sheriff"
    if re.search(r"Council|Commission|Board|Commissioners|Supervisors|Aldermen|Legislature|Court|"
                 r"^(City|Town|Village|County|Township) of ", name):
        return "legislative"
    if re.search(r"Police|Patrol|Constabulary|\bPD\b|Marshal|Public Safety|Troopers", name):
        return "police"
    if re.search(r"Corrections|Bureau|Department|Agency|Authority|Administration|District|Schools", name):
        return "state" if place_of(name) == "" else "other"
    return "other"


def display_name(text: str, gaz: Gazetteer, abroad: bool = False) -> str:
    """Clean a surface name: straight apostrophes, no leading 'the', 'X Police' -> 'X Police Department'."""
    name = re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()
    name = re.sub(r"^(?:the|The)\s+", "", name)
    if name.endswith(" Police") and not name.endswith("State Police") and not abroad \
            and name[:-7] not in gaz.non_us:
        full = name + " Department"
        if name_key(full) in gaz.us_by_name:
            return full
    if name.endswith(" PD"):
        return name[:-3] + " Police Department"
    return name


def gazetteer_rows(name: str, gaz: Gazetteer) -> list[UsAgency]:
    """FBI rows for a name, trying the usual variants (with/without 'County', Department/Office)."""
    key = name_key(name)
    variants = [key, key.replace(" county ", " "), key.replace("sheriff office", "county sheriff office"),
                key.replace("sheriff department", "sheriff office"),
                key.replace("sheriff department", "county sheriff office")]
    for v in variants:
        if v in gaz.us_by_name:
            return gaz.us_by_name[v]
    return []


def _choose_state(candidates: set[str], near: list[str], ev: PlaceEvidence, place: str) -> str | None:
    ordered = [ev.place_states.get(place), *near, ev.dateline_state, *[s for _, s in ev.mentions]]
    for state in ordered:
        if state and (not candidates or state in candidates):
            return state
    if len(candidates) == 1:
        return next(iter(candidates))
    return None


def resolve_state(agency: Agency, gaz: Gazetteer, ev: PlaceEvidence, near: list[str]) -> str | None:
    """State of an agency: its own name, the gazetteer, then the article's place evidence; None abroad."""
    if agency.kind in ("federal", "regulator"):
        return None
    for state_name, code in gaz.state_names.items():
        rest = agency.name[len(state_name) + 1:].split(" ")[0] if agency.name.startswith(state_name + " ") else ""
        if rest and rest not in ("County", "City", "Parish"):
            return code  # "Michigan State Police", "Maine Department of Corrections"
    if _abroad(agency, gaz, ev):
        return None
    rows = gazetteer_rows(agency.name, gaz)
    candidates = {r.state for r in rows} or set(gaz.places_by_name.get(agency.place, set()))
    if not candidates and agency.place and not agency.place.endswith("county"):
        candidates = set(gaz.places_by_name.get(agency.place + " county", set()))
    return _choose_state(candidates, near, ev, agency.place)


def _abroad(agency: Agency, gaz: Gazetteer, ev: PlaceEvidence) -> bool:
    if any(w in agency.name for w in gaz.non_us_force_words):
        return True
    place_words = agency.name.split(" Police")[0]
    if place_words in gaz.non_us and not gazetteer_rows(agency.name, gaz):
        return True
    return ev.abroad


def canonical_id(agency: Agency, gaz: Gazetteer, slug: str | None = None) -> str:
    """Stable id: agency:fed:<slug>, agency:<ORI> when the gazetteer knows it, else agency:pattern:<slug>-<st>."""
    if agency.kind in ("federal", "regulator") and slug:
        return f"agency:{slug}" if slug.startswith("intl:") else f"agency:fed:{slug}"
    for row in gazetteer_rows(agency.name, gaz):
        if row.state == agency.state:
            return f"agency:{row.ori}"
    base = re.sub(r"[^a-z0-9]+", "-", agency.key).strip("-")
    return f"agency:pattern:{base}-{(agency.state or 'xx').lower()}"


def collect_agencies(facts: DocFacts, gaz: Gazetteer, ev: PlaceEvidence) -> list[Agency]:
    """Group the agency hits of an article into canonical agencies, in order of first mention."""
    by_key: dict[str, Agency] = {}
    slugs: dict[str, str] = {}
    named = _named_hits(facts, gaz, ev.abroad)
    for hit, name, slug in named:
        if _is_unit(hit, facts.text, [h for h, _, _ in named]):
            continue
        # Federal and national bodies group by gazetteer slug ("ICE" = "Immigration and Customs
        # Enforcement"); the name shown is the first full name written, else the canonical one.
        key = f"fed:{slug}" if slug else name_key(name)
        agency = by_key.get(key) or by_key.get(key.replace(" county ", " "))
        written = display_name(hit.text, gaz, ev.abroad) if slug and hit.kind == "federal" else None
        if agency is None:
            kind = kind_of(name) if not slug else \
                "federal" if slug in gaz.federal_operators or slug.startswith("intl:") else "regulator"
            agency = Agency(name=written or name, key=key, kind=kind, place=place_of(name))
            by_key[key] = agency
            if slug:
                slugs[key] = slug
        elif written and all(h.kind != "federal" for h in agency.hits):
            agency.name = written
        agency.hits.append(hit)
    _merge_place_police(by_key)
    _merge_short_forms(by_key)
    _add_initialisms(facts, by_key)
    for agency in by_key.values():
        near = _near_states(agency, facts, ev)
        agency.state = resolve_state(agency, gaz, ev, near)
        agency.canonical_id = canonical_id(agency, gaz, slugs.get(agency.key))
    return sorted(by_key.values(), key=lambda a: a.hits[0].start)


_UNIT_AFTER = re.compile(r"^\s+(unit|division|squad|team|task force|office)\b")


def _is_unit(hit: Hit, text: str, others: list[Hit]) -> bool:
    """A named unit inside another agency ("ICE's Homeland Security Investigations unit") is no agency."""
    if _UNIT_AFTER.match(text[hit.end:hit.end + 15]):
        return True
    before = text[max(0, hit.start - 4):hit.start]
    return before.endswith(("'s ", "\u2019s ")) and any(o.end == hit.start - 3 for o in others)


_CAPS = re.compile(r"\b[A-Z]{3,6}\b")


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.replace("'s", "").split() if w[0].isupper())


def _add_initialisms(facts: DocFacts, by_key: dict[str, Agency]) -> None:
    """"CPD" after "Chicago Police Department": an all-caps word spelling a named agency's initials."""
    by_initials: dict[str, list[Agency]] = {}
    for agency in by_key.values():
        by_initials.setdefault(_initials(agency.name), []).append(agency)
    taken = [(h.start, h.end) for a in by_key.values() for h in a.hits]
    for m in _CAPS.finditer(facts.text):
        found = by_initials.get(m.group(0), [])
        if len(found) == 1 and not any(s <= m.start() < e for s, e in taken):
            found[0].hits.append(Hit("acronym", m.start(), m.end(), m.group(0), m.group(0)))
    for agency in by_key.values():
        agency.hits.sort(key=lambda h: h.start)


def _merge_place_police(by_key: dict[str, Agency]) -> None:
    """"Cleveland police" is the Cleveland Division of Police when the article names that agency."""
    for key, agency in list(by_key.items()):
        if not all(h.text.endswith(" police") for h in agency.hits):
            continue
        other = next((a for a in by_key.values() if a is not agency and a.kind == "police"
                      and _bare_place(a.place) == _bare_place(agency.place)), None)
        if other is not None:
            other.hits.extend(agency.hits)
            other.hits.sort(key=lambda h: h.start)
            del by_key[key]


def _bare_place(place: str) -> str:
    """A place key without a leading "metro" ("Metro Nashville" police are Nashville's police)."""
    return re.sub(r"^(metro|metropolitan) ", "", place)


def _merge_short_forms(by_key: dict[str, Agency]) -> None:
    """"The Inspection Service" after "the U.S. Postal Inspection Service", "the Dane County Board" after "the
    Dane County Board of Supervisors", "MBTA Transit Police" beside "the MBTA Transit Police Department": a name
    of two or more words that ends a longer agency's name, or begins it before an "of" or a last "Department",
    is a short form of that agency (a headline may use it first)."""
    for key, agency in list(by_key.items()):
        words = agency.name.split()
        if len(words) < 2:
            continue
        longer = [a for a in by_key.values() if a is not agency and len(a.name.split()) > len(words)
                  and (a.name.split()[-len(words):] == words or a.name.split()[:len(words) + 1] == [*words, "of"]
                       or a.name.split() == [*words, "Department"])]
        if len(longer) == 1:
            longer[0].hits.extend(agency.hits)
            longer[0].hits.sort(key=lambda h: h.start)
            del by_key[key]


def _near_states(agency: Agency, facts: DocFacts, ev: PlaceEvidence) -> list[str]:
    """States named in the sentence of the agency's first mention, nearest first."""
    sent = facts.sentences[facts.sentence_index(agency.hits[0].start)]
    pos = agency.hits[0].start
    near = [(abs(off - pos), st) for off, st in ev.mentions if sent.start <= off < sent.end]
    return [st for _, st in sorted(near)]


_PLACE_POLICE = re.compile(r"\b((?:[A-Z][\w.'-]*\s){0,3}[A-Z][\w.'-]*)\s+police\b")
_NOT_PLACE = {"The", "A", "In", "At", "But", "And", "When", "After", "State", "Local", "City", "County", "Transit"}


def _place_police_hits(facts: DocFacts, gaz: Gazetteer) -> list[Hit]:
    """"Chicago police" names the Chicago Police Department when the FBI list has one by that name."""
    out: list[Hit] = []
    for m in _PLACE_POLICE.finditer(facts.text):
        words = m.group(1).split()
        while words and words[0] in _NOT_PLACE:
            words = words[1:]
        place = " ".join(words)
        if not place or place in gaz.state_names or name_key(place + " Police Department") not in gaz.us_by_name:
            continue
        start = m.start(1) + m.group(1).index(words[0])
        out.append(Hit("agency", start, m.end(), facts.text[start:m.end()], place + " Police Department"))
    return out


# "Oregon Department of Justice's Criminal Justice Division": a named unit stands for the agency it is in.
_UNIT_OF = re.compile(r"'s\s+([A-Z][\w-]*\s+){1,5}(Division|Unit|Section|Squad|Bureau|Team)$")


def _named_hits(facts: DocFacts, gaz: Gazetteer, abroad: bool) -> list[tuple[Hit, str, str | None]]:
    """(hit, display name, federal slug or None) for pattern, federal-name and acronym hits."""
    pattern = [h for h in facts.hits if h.kind == "agency"]
    if not abroad:
        pattern += [h for h in _place_police_hits(facts, gaz)
                    if not any(p.start <= h.start < p.end for p in pattern)]
    out: list[tuple[Hit, str, str | None]] = []
    for h in facts.hits:
        if h.kind == "federal" and not any(p.start <= h.start and h.end <= p.end and p.end - p.start >
                                           h.end - h.start for p in pattern):
            out.append((h, gaz.federal_names[h.text][1], h.key))
        elif h.kind == "acronym":
            if h.key in gaz.federal_acronyms:
                slug, name = gaz.federal_acronyms[h.key]
                out.append((h, name, slug))
            else:
                out.append((h, gaz.city_acronyms[h.key][0], None))
    for h in pattern:
        if any(f.start <= h.start and h.end <= f.end for f, _, s in out if s):
            continue
        name = _UNIT_OF.sub("", display_name(h.key, gaz, abroad))
        fed = gaz.federal_names.get(name)
        out.append((h, fed[1] if fed else name, fed[0] if fed else None))
    return sorted(out, key=lambda t: t[0].start)
