"""Where an article is: dateline state, "City, State" pairs and state names, as evidence for agency states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oversight.extractors.tagging.gazetteer import Gazetteer, name_key

# A dateline opening an article: "SPRINGFIELD, Ill. (AP) - ", "CHICAGO -- ", "BOSTON \u2014 " (groups: place, state).
DATELINE = re.compile(r"^\s*([A-Z][A-Z.'\- ]{1,40}?)(?:,\s*([A-Z][A-Za-z. ]{1,20}?))?\s*(?:\([\w .-]{1,20}\)\s*)?"
                      r"(?:\u2014|\u2013|--|-)\s+")
# State names that are also parts of other names: "Washington County", "New York City", "Kansas City".
_NOT_STATE_AFTER = re.compile(r"^\s*(County|City|Parish|Post|Times|Street|Avenue|Heights|Park)\b")


@dataclass
class PlaceEvidence:
    """State clues found in one article."""

    dateline_state: str | None = None
    dateline_place: str | None = None
    abroad: bool = False  # the dateline is outside the US ("MELBOURNE, Australia -", "LONDON -")
    place_states: dict[str, str] = field(default_factory=dict)  # place key -> state from "City, State"
    mentions: list[tuple[int, str]] = field(default_factory=list)  # (char offset, state) in text order


def _state_of(token: str, gaz: Gazetteer) -> str | None:
    token = token.strip()
    return gaz.state_abbrevs.get(token) or gaz.state_names.get(token) or gaz.state_names.get(token.title())


def parse_dateline(body: str, gaz: Gazetteer) -> tuple[str | None, str | None]:
    """(place, state) from a dateline such as "SPRINGFIELD, Ill. -" or "CHICAGO -"."""
    m = DATELINE.match(body)
    if not m:
        return None, None
    place = m.group(1).strip().title()
    if m.group(2):
        return place, _state_of(m.group(2), gaz)
    state = gaz.dateline_cities.get(m.group(1).strip())
    if state is None:
        states = gaz.places_by_name.get(name_key(place), set())
        state = next(iter(states)) if len(states) == 1 else None
    return place, state


def gather_evidence(text: str, body_start: int, gaz: Gazetteer) -> PlaceEvidence:
    """Collect dateline, "City, State" and state-name evidence from the tagged text."""
    ev = PlaceEvidence()
    head = text[body_start:body_start + 120]
    ev.dateline_place, ev.dateline_state = parse_dateline(head, gaz)
    m = DATELINE.match(head)
    if m and ev.dateline_state is None:
        names = {m.group(1).strip().title(), (m.group(2) or "").strip()}
        ev.abroad = bool(names & gaz.non_us) and m.group(1).strip() not in gaz.dateline_cities
    for m in gaz.state_pattern.finditer(text):
        if _NOT_STATE_AFTER.match(text[m.end():m.end() + 12]):
            continue
        state = _state_of(m.group(1), gaz)
        if state is None:
            continue
        # Abbreviations such as "Pa." only count after a comma ("Berlin, Conn.") to avoid "Ga." names.
        if m.group(1) in gaz.state_abbrevs and not text[:m.start()].rstrip().endswith(","):
            continue
        ev.mentions.append((m.start(), state))
        before = re.search(r"([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}),\s*$", text[max(0, m.start() - 60):m.start()])
        if before:
            ev.place_states.setdefault(name_key(before.group(1)), state)
    if ev.dateline_place and ev.dateline_state:
        ev.place_states.setdefault(name_key(ev.dateline_place), ev.dateline_state)
    return ev
