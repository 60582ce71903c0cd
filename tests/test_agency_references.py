"""The agency pattern scanner and the short-reference resolver on their own, apart from the whole tagger."""

from __future__ import annotations

import pytest
from spacy.language import Language

from oversight.extractors.tagging.agencies import Agency
from oversight.extractors.tagging.agency_scan import scan_agencies
from oversight.extractors.tagging.pipeline import build_nlp
from oversight.extractors.tagging.references import (
    explicit_agencies,
    referenced_agencies,
    same_place,
    speakers,
)
from oversight.extractors.tagging.spans import Hit


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


@pytest.mark.parametrize(("text", "found"), [
    ("The Springfield Police Department bought drones on Tuesday.", ["Springfield Police Department"]),
    ("The Cascade County Sheriff's Office and the Culver City Council met.",
     ["Cascade County Sheriff's Office", "Culver City Council"]),
    ("Chief Ron Lantz of the Mesa Police said so.", ["Mesa Police"]),  # a person's title is not part of it
    # Unions, advocacy groups and bare generic bodies are not agencies.
    ("The Fraternal Order of Police and the Police Benevolent Association objected.", []),
    ("The Electronic Frontier Foundation sued the Board of Supervisors.", []),
])
def test_scan_finds_named_agencies_and_their_exact_offsets(nlp: Language, text: str, found: list[str]) -> None:
    hits = list(scan_agencies(nlp(text)))
    assert [name for _, _, name in hits] == found
    assert all(text[start:end] == name for start, end, name in hits)


def _agency(name: str, kind: str, place: str, *starts: int) -> Agency:
    return Agency(name=name, key=name.lower(), kind=kind, place=place,
                  hits=[Hit("agency", s, s + len(name), name, name) for s in starts])


TEXT = ("The Oakland Police Department will deploy drones, Chief Ann Lee said. The Oakland City Council voted "
        "4-3 on Tuesday. Police said the council had asked for a policy. Oakland will stop using the drones in "
        "June, the Alameda County Sheriff's Office said. A grant from the Department of Homeland Security paid "
        "for them.")
POLICE = _agency("Oakland Police Department", "police", "oakland", TEXT.index("Oakland Police"))
COUNCIL = _agency("Oakland City Council", "legislative", "oakland city", TEXT.index("Oakland City"))
DHS = _agency("Department of Homeland Security", "federal", "", TEXT.index("Department of Homeland"))
SHERIFF = _agency("Alameda County Sheriff's Office", "sheriff", "alameda county", TEXT.index("Alameda"))
ALL = [POLICE, COUNCIL, DHS, SHERIFF]


def test_named_agencies_in_a_span_leave_out_funders() -> None:
    assert explicit_agencies(ALL, TEXT.index("A grant"), len(TEXT), TEXT) == []  # DHS only paid
    assert explicit_agencies(ALL, 0, TEXT.index(" Police said"), TEXT) == [POLICE, COUNCIL]


def test_an_agency_quoted_after_a_comma_is_a_speaker() -> None:
    last = TEXT.index("Oakland will")
    assert speakers(ALL, last, TEXT.index(" A grant"), TEXT) == [SHERIFF]
    assert speakers(ALL, 0, last, TEXT) == []


def test_short_references_resolve_to_the_agency_named_before_them() -> None:
    clause = "Police said the council had asked for a policy."
    assert referenced_agencies(ALL, clause, TEXT.index(clause), "oakland") == [POLICE, COUNCIL]
    title = "Chief Ann Lee said."
    assert referenced_agencies(ALL, title, TEXT.index("Chief"), "") == [POLICE]
    deputies = "Deputies will fly them."  # a sheriff's word picks the sheriff, even one named later
    assert referenced_agencies(ALL, deputies, 0, "") == [SHERIFF]


def test_a_bare_place_name_means_that_place_s_operator_and_council() -> None:
    clause = "Oakland will stop using the drones in June"
    assert referenced_agencies(ALL, clause, TEXT.index(clause), "") == [POLICE, COUNCIL]
    assert referenced_agencies(ALL, "the city will pay for them", 0, "alameda county") == [SHERIFF]
    assert referenced_agencies(ALL, "The weather was fine.", 0, "oakland") == []


def test_a_city_s_place_matches_its_name_with_or_without_city() -> None:
    assert same_place("salt lake", "salt lake city") and same_place("oakland city", "oakland")
    assert not same_place("oakland", "alameda county") and not same_place("", "oakland")
