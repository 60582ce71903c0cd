"""Which agency a clause is about: named agencies, and short references ("the department", "police",
"the city", "Chief Smith", a bare place name) resolved to an agency named in the same article."""

from __future__ import annotations

import re

from oversight.extractors.tagging.agencies import Agency

_POLICE_REF = re.compile(
    r"\b(the (police )?department|the agency|the sheriff'?s'? (office|department)|the sheriff\b|deputies|"
    r"troopers|its officers|its deputies|its investigators|its analysts|the state police|the force|(the|city|local|county|state) police|police (said|say|says|will|"
    r"would|have|has|had|are|were|plan|plans|want|wants|began|use|used|can|officials)|department officials)\b",
    re.I)
# People's titles refer to their agency ("Chief Ron Lantz said ...").
_TITLE_REF = re.compile(r"\b((Police |Deputy |Assistant )?(Chief|Commissioner|Sheriff|Undersheriff|Commander|"
                        r"Cmdr\.|Lt\.|Sgt\.|Capt\.) [A-Z]\w+|Police Chief|Police Commissioner)\b")
_CITY_REF = re.compile(r"\b(the city|city officials|city leaders|city government|city hall|the town|"
                       r"town officials|the village|the county|county officials)\b", re.I)
_COUNCIL_REF = re.compile(r"\b(the council|the commission|"
                          r"the board|the city council|the town council)\b", re.I)
# "New Jersey's attorney general", "the attorney general's office": the attorney general's office the article names.
_AG_REF = re.compile(r"\battorney general\b", re.I)
# "ordered her agency to stop": the agency of the official just named.
_OWN_AGENCY_REF = re.compile(r"\b(his|her) (agency|office|department)\b", re.I)
_CITY_WORD = re.compile(r"^city of |\s+city$")
# Funders and recipients of a notice are not the agencies doing the thing.
_NOT_ACTOR_BEFORE = re.compile(r"\b(grant|grants|funding|money|funds|paid for) (from|by)( the)?\s*$|"
                               r"\bnotified( the)?\s*$|\bon behalf of( the)?\s*$|\bby the\s*$|"
                               r"\b(arm|branch|wing|part) of( the)?\s*$", re.I)


def explicit_agencies(agencies: list[Agency], start: int, end: int, text: str) -> list[Agency]:
    """Agencies named inside [start, end), skipping funders ("a grant from the ... Department")."""
    out: list[Agency] = []
    for agency in agencies:
        for hit in agency.hits:
            if start <= hit.start < end and not _NOT_ACTOR_BEFORE.search(text[max(0, hit.start - 40):hit.start]):
                if agency not in out:
                    out.append(agency)
    return out


_SPEECH_AFTER = re.compile(r"^\s*(said|says|announced|confirmed|reported|told|added|wrote)\b")


def speakers(agencies: list[Agency], start: int, end: int, text: str) -> list[Agency]:
    """Agencies only quoted in a clause (", the Georgia Department of Public Safety said")."""
    out: list[Agency] = []
    for agency in agencies:
        for hit in agency.hits:
            if start <= hit.start < end and _SPEECH_AFTER.match(text[hit.end:hit.end + 20]) and \
                    re.search(r",\s*(the\s+)?$", text[max(0, hit.start - 8):hit.start]):
                out.append(agency)
    return out


def _latest(agencies: list[Agency], pos: int, kinds: tuple[str, ...]) -> Agency | None:
    """The agency of one of `kinds` mentioned last before pos, else the first one after it."""
    before = [(h.start, a) for a in agencies if a.kind in kinds for h in a.hits if h.start < pos]
    if before:
        return max(before, key=lambda t: t[0])[1]
    after = [(h.start, a) for a in agencies if a.kind in kinds for h in a.hits]
    return min(after, key=lambda t: t[0])[1] if after else None


def same_place(a: str, b: str) -> bool:
    """Whether two agency places are one jurisdiction: "salt lake" (from "Salt Lake City Council") is "salt
    lake city" (from "Salt Lake City Police Department")."""
    return a == b or bool(a and b) and _CITY_WORD.sub("", a) == _CITY_WORD.sub("", b)


def operator_for_place(agencies: list[Agency], place: str) -> Agency | None:
    """The police or sheriff agency of a jurisdiction."""
    for kind in ("police", "sheriff"):
        for same in (True, False):  # an exact match before a looser one
            for a in agencies:
                if a.kind == kind and (a.place == place if same else same_place(a.place, place)):
                    return a
    return None


def council_for_place(agencies: list[Agency], place: str) -> Agency | None:
    """The council, commission or board of a jurisdiction."""
    return next((a for a in agencies if a.kind == "legislative" and a.place == place), None) or \
        next((a for a in agencies if a.kind == "legislative" and same_place(a.place, place)), None)


def referenced_agencies(agencies: list[Agency], clause: str, pos: int, home: str) -> list[Agency]:
    """Agencies a clause refers to without naming them; pos is the clause's offset in the article."""
    out: list[Agency] = []
    if _POLICE_REF.search(clause) or _TITLE_REF.search(clause):
        sheriff = re.search(r"sheriff|deput", clause, re.I)
        found = _latest(agencies, pos, ("sheriff",) if sheriff else ("police", "sheriff", "federal"))
        out.extend([found] if found else [])
    if _AG_REF.search(clause):
        found = next((a for a in agencies if "Attorney General" in a.name), None) or \
            next((a for a in agencies if "Department of Justice" in a.name and a.place), None)  # a state's DOJ
        out.extend([found] if found and found not in out else [])
    if _OWN_AGENCY_REF.search(clause):
        found = _latest(agencies, pos, ("police", "sheriff", "federal", "state", "other", "prosecutor"))
        out.extend([found] if found and found not in out else [])
    if _COUNCIL_REF.search(clause):
        found = _latest(agencies, pos, ("legislative",))
        out.extend([found] if found and found not in out else [])
    places = _places_in(agencies, clause)
    if _CITY_REF.search(clause) and home:
        places.append(home)
    for place in places:
        for found in (operator_for_place(agencies, place), council_for_place(agencies, place)):
            if found and found not in out:
                out.append(found)
    return out


def _places_in(agencies: list[Agency], clause: str) -> list[str]:
    """Jurisdictions named bare in a clause ("Chicago will stop using ...")."""
    out: list[str] = []
    for a in agencies:
        if not a.place or a.place in out or a.kind in ("federal", "regulator"):
            continue
        words = a.name.split()
        place_words = " ".join(words[:len(a.place.split())])
        if place_words and re.search(rf"\b{re.escape(place_words)}\b(?! (Police|City Council|County|Sheriff))",
                                     clause):
            out.append(a.place)
    return out
