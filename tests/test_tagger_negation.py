"""A negated, hypothetical or demanded use never yields `uses`, `acquires` or `pilots`, wherever it is said:
the title, the lede, the body or a quote; and the governing verb, read from the parse, decides the action."""

from __future__ import annotations

from datetime import datetime

import pytest

from oversight.extractors.tagger import Tagger, load_tagger
from oversight.extractors.tagging.pipeline import MODEL
from oversight.extractors.tagging.structure import SentenceParser
from oversight.schemas.records import Article, Event

ADOPTIONS = {"uses", "acquires", "pilots"}
FILLER = ("The city council met on Tuesday to discuss the budget for parks and road repairs. "
          "Members heard from residents about potholes on Main Street.")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def events(tagger: Tagger, text: str, title: str = "") -> list[Event]:
    art = Article(article_id="n1", url="https://example.org/n1", title=title, text=text,
                  published=datetime(2026, 10, 1))
    return tagger.tag_articles([art])[0].events


def adoptions(tagger: Tagger, text: str, title: str = "") -> list[tuple[str, str, str]]:
    return [(e.agency, e.technology, e.action) for e in events(tagger, text, title) if e.action in ADOPTIONS]


NEGATED = [
    "The Ann Arbor Police Department does not currently use face recognition.",
    "The Ann Arbor Police Department has never used face recognition software.",
    "The Ann Arbor Police Department no longer uses face recognition.",
    "The Ann Arbor Police Department has no face recognition system.",
    "The Ann Arbor Police Department has no plans to buy face recognition software.",
    "The Ann Arbor Police Department declined to buy face recognition software.",
]
HYPOTHETICAL = [
    "If the council approves, the Ann Arbor Police Department would buy face recognition software.",
    "The Ann Arbor Police Department could use face recognition software if the ban were lifted.",
    "The ordinance also bars agreements with outside agencies that would run face recognition searches "
    "for the Ann Arbor Police Department.",
]
DEMANDED = [
    "Residents urged the Ann Arbor Police Department to buy face recognition software.",
    "Critics have demanded that the Ann Arbor Police Department stop using face recognition and "
    "the advocates called on the department to never use it again.",
]


@pytest.mark.parametrize("sentence", NEGATED + HYPOTHETICAL + DEMANDED)
def test_no_adoption_in_the_lede(tagger: Tagger, sentence: str) -> None:
    assert adoptions(tagger, f"ANN ARBOR, Mich. \u2014 {sentence} {FILLER}") == []


@pytest.mark.parametrize("sentence", NEGATED + HYPOTHETICAL + DEMANDED)
def test_no_adoption_in_the_body(tagger: Tagger, sentence: str) -> None:
    assert adoptions(tagger, f"{FILLER}\n\n{sentence}\n\nThe meeting ended at 9 p.m.") == []


@pytest.mark.parametrize("sentence", NEGATED + HYPOTHETICAL)
def test_no_adoption_in_a_quote(tagger: Tagger, sentence: str) -> None:
    quoted = f"\u201c{sentence.rstrip('.')},\u201d a spokesperson said."
    assert adoptions(tagger, f"{FILLER}\n\n{quoted}") == []


@pytest.mark.parametrize("sentence", NEGATED + HYPOTHETICAL)
def test_no_adoption_from_the_title(tagger: Tagger, sentence: str) -> None:
    assert adoptions(tagger, FILLER + " The Ann Arbor Police Department was not discussed.",
                     title=sentence.rstrip(".")) == []


def test_the_ban_itself_is_kept(tagger: Tagger) -> None:
    text = ("ANN ARBOR, Mich. \u2014 The Ann Arbor City Council voted on Monday to ban face recognition. "
            "The Ann Arbor Police Department does not currently use face recognition.")
    found = {(e.agency, e.technology, e.action) for e in events(tagger, text)}
    assert ("Ann Arbor City Council", "face_recognition", "bans") in found
    assert not {f for f in found if f[2] in ADOPTIONS}


@pytest.mark.parametrize(("sentence", "action"), [
    ("The Lakeland Police Department now uses Ring's Neighbors app to ask residents for doorbell video.", "uses"),
    ("The Lakeland Police Department wants to use ShotSpotter and is counting on a grant to pay for a "
     "two-year trial.", "proposes"),
    ("The Lakeland Police Department will not renew its contract for ShotSpotter.", "ends"),
    ("The Lakeland Police Department bought four drones from Skydio last week.", "acquires"),
    ("The Lakeland Police Department began a 90-day trial of drones from Skydio.", "pilots"),
])
def test_the_governing_verb_decides(tagger: Tagger, sentence: str, action: str) -> None:
    found = [e.action for e in events(tagger, f"LAKELAND, Fla. \u2014 {sentence}")]
    assert found == [action]


def test_parse_standing_of_a_negated_cue() -> None:
    parse = SentenceParser(MODEL).parse("The department has never used drones and will not renew its contract.")
    assert parse is not None
    used = parse.standing(27, 31, lambda s, e: False)
    renew = parse.standing(50, 55, lambda s, e: False)
    assert used is not None and used.negated
    assert renew is not None and renew.negated  # the end cue itself carries the "not"; actions.py knows
    assert SentenceParser(MODEL).parse("x" * 5000) is None


@pytest.mark.parametrize(("text", "expected"), [
    # A council that halts a department's request rejects it; the department proposed it.
    ("SALT LAKE CITY \u2014 The Salt Lake City Council has halted a Salt Lake City Police Department request to "
     "buy automated license plate readers.",
     {("Salt Lake City Council", "rejects"), ("Salt Lake City Police Department", "proposes")}),
    # Cutting the money for it from a budget is a rejection too.
    ("YORK, Pa. \u2014 The York City Council approved a public safety budget for the York City Police Department "
     "after it stripped $240,000 for ShotSpotter gunshot detection.",
     {("York City Council", "rejects"), ("York City Police Department", "proposes")}),
    # What was cut is named after the cut.
    ("YORK, Pa. \u2014 The York City Council approved a budget for the York City Police Department, but only "
     "after cutting the money that would have paid for ShotSpotter gunshot detection.",
     {("York City Council", "rejects"), ("York City Police Department", "proposes")}),
    # The program named before a verb the parser leaves without a subject.
    ("In Austin, the city manager pulled a proposed extension from the agenda, which means the Austin Police "
     "Department's license plate reader program, built around cameras from Flock Safety, will end.",
     {("Austin Police Department", "ends")}),
    # An intransitive end with a program as its subject.
    ("AUSTIN, Texas \u2014 The Austin Police Department's license plate reader program, which went live in 2024, "
     "ended on June 30.", {("Austin Police Department", "ends")}),
    # A plan in the first clause holds the trial after it.
    ("MANCHESTER, N.H. \u2014 The Manchester Police Department wants to use ShotSpotter and is counting on a grant "
     "to pay for a two-year trial.", {("Manchester Police Department", "proposes")}),
    # "Already installed" describes a state, not a purchase.
    ("JACKSON, Miss. \u2014 The Jackson Police Department operates a real-time crime center fed by street cameras "
     "already installed downtown.", {("Jackson Police Department", "uses")}),
])
def test_structure_decides_the_news(tagger: Tagger, text: str, expected: set[tuple[str, str]]) -> None:
    assert {(e.agency, e.action) for e in events(tagger, text)} >= expected
    assert not {(e.agency, e.action) for e in events(tagger, text)} & {(a, "acquires") for a, _ in expected}


def test_the_year_ending_is_no_end(tagger: Tagger) -> None:
    text = ("PASADENA, Calif. \u2014 The Pasadena Police Department uses ShotSpotter gunshot detection, and the "
            "first year of the service ended with 40 alerts. The meeting ended at 9 p.m.")
    assert [e.action for e in events(tagger, text)] == ["uses"]


@pytest.mark.parametrize(("sentence", "action"), [
    ("The Essex Police used their new live facial recognition vans for the first time this week.", "acquires"),
    ("The Hayward Police Department has also contracted with Knightscope for a security robot.", "acquires"),
    ("The Sacramento County Sheriff's Office operates nine robots and asked to replace an old one with a new "
     "model.", "proposes"),
    ("The Birmingham Police Department agreed to spend about $60,000 on PredPol.", "acquires"),
    ("The Miami Police Department uses Clearview AI. A judge ordered the Miami Police Department to turn over "
     "its Clearview AI search log.", "uses"),
])
def test_more_of_what_the_sentence_says(tagger: Tagger, sentence: str, action: str) -> None:
    assert [e.action for e in events(tagger, sentence)] == [action]


def test_a_number_before_an_agency_is_not_its_name(tagger: Tagger) -> None:
    found = events(tagger, "EDMONTON, Alberta \u2014 Up to 50 Edmonton Police Service officers began wearing "
                           "body cameras from Axon on Wednesday.")
    assert {e.agency for e in found} == {"Edmonton Police Service"}
