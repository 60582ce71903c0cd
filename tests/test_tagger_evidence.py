"""Each event's evidence is the one sentence that supports its action, located by offsets into the tagged
text; a headline line that the page extractor left above the dateline is not glued onto the lede; the
confidence decides needs_review."""

from __future__ import annotations

from datetime import datetime

import pytest

from oversight.extractors.tagger import Tagger, load_tagger, tagged_text
from oversight.extractors.tagging.confidence import REVIEW_BELOW, Signals, confidence
from oversight.schemas.records import Article, TaggedArticle

TITLE = "Lakeland police use Ring's Neighbors app to ask for doorbell video"
LEDE = ("LAKELAND, Fla. \u2014 The Lakeland Police Department now uses Amazon's Ring Neighbors app to ask "
        "residents for doorbell camera video when investigating crimes, the department said Wednesday.")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def tag(tagger: Tagger, title: str, text: str) -> TaggedArticle:
    art = Article(article_id="e1", url="https://example.org/e1", title=title, text=text,
                  published=datetime(2026, 10, 1))
    return tagger.tag_articles([art])[0]


def test_evidence_is_the_lede_not_the_headline_glued_to_it(tagger: Tagger) -> None:
    # Page extractors keep the <h1> as the body's first line, with no full stop before the dateline.
    tagged = tag(tagger, TITLE, f"{TITLE}\n{LEDE}\nDetectives post requests through the app.")
    [event] = tagged.events
    text = tagged_text(tagged.article)
    assert event.evidence == LEDE
    assert event.evidence_end is not None and text[event.evidence_start:event.evidence_end] == LEDE
    assert (event.agency, event.technology, event.action) == ("Lakeland Police Department", "camera_networks",
                                                              "uses")


def test_a_wrapped_line_is_not_cut(tagger: Tagger) -> None:
    tagged = tag(tagger, "", "The Tulsa Police Department bought four drones\nfrom Skydio last week.")
    [event] = tagged.events
    assert event.evidence == "The Tulsa Police Department bought four drones\nfrom Skydio last week."
    assert (event.action, event.vendor) == ("acquires", "Skydio")


def test_needs_review_follows_the_threshold(tagger: Tagger) -> None:
    tagged = tag(tagger, TITLE, f"{LEDE} Officers in nearby Winter Haven may use the app too, "
                 "said a spokesperson for the Winter Haven Police Department.")
    assert tagged.events
    for e in tagged.events:
        assert e.needs_review == (e.confidence < REVIEW_BELOW)


def test_confidence_rises_with_what_the_decision_rests_on() -> None:
    weak = Signals(named_agency=False, named_tech=False, explicit_cue=False, background=True, lede=False,
                   main_agency=False, support=1, agreement=0.5, action="pilots", agencies=6, technologies=3,
                   sentences=30)
    strong = Signals(named_agency=True, named_tech=True, explicit_cue=True, background=False, lede=True,
                     main_agency=True, support=3, agreement=1.0, action="acquires", agencies=1, technologies=1,
                     sentences=6)
    assert 0.0 < confidence(weak) < REVIEW_BELOW <= confidence(strong) < 1.0


def test_unknown_suppliers_and_their_owner_are_vendors(tagger: Tagger) -> None:
    tagged = tag(tagger, "", "WASHINGTON \u2014 The U.S. Postal Inspection Service has analysts who use software "
                 "from Zignal Labs to monitor social media. The Fresno Police Department uses Beware, which "
                 "is sold by Intrado, a subsidiary of West Corporation, to screen addresses.")
    vendors = {m.canonical_name for m in tagged.mentions if m.label == "vendor"}
    assert {"Zignal Labs", "Intrado", "West Corporation"} <= vendors


def test_biometric_data_in_a_face_recognition_story_is_the_faces(tagger: Tagger) -> None:
    tagged = tag(tagger, "", "The Houston Police Department uses Clearview AI's facial recognition app; a lawsuit "
                 "says the company collected biometric data without consent.")
    techs = {m.technology for m in tagged.mentions if m.label == "technology"}
    assert "face_recognition" in techs and "biometrics" not in techs
    tagged = tag(tagger, "", "The Houston Police Department uses mobile fingerprint scanners and biometric data.")
    assert "biometrics" in {m.technology for m in tagged.mentions if m.label == "technology"}
