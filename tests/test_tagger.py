"""The tagger on small real sentences: agencies, states, vendors, technologies, events and actions."""

from __future__ import annotations

from datetime import datetime

import pytest

from oversight.extractors.tagger import Tagger, contract_record, load_tagger, tagged_text
from oversight.schemas.records import Article, TaggedArticle


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def tag(tagger: Tagger, text: str, title: str = "", **kw: object) -> TaggedArticle:
    art = Article(article_id="t1", url="https://example.org/t1", title=title, text=text,
                  published=datetime(2024, 6, 1), **kw)  # type: ignore[arg-type]
    return tagger.tag_articles([art])[0]


def record(tagger: Tagger, text: str, title: str = "") -> dict[str, object]:
    return contract_record("t1", tag(tagger, text, title))


def test_rekognition_example(tagger: Tagger) -> None:
    rec = record(tagger, "The Washington County Sheriff's Office in Oregon uses Amazon's Rekognition software "
                         "to compare photos of suspects against a database of booking photos.")
    assert rec["agencies"] == [{"name": "Washington County Sheriff's Office", "state": "OR"}]
    assert rec["vendors"] == [{"name": "Amazon"}]
    assert rec["technologies"] == ["face_recognition"]
    assert rec["events"] == [{"agency": "Washington County Sheriff's Office", "technology": "face_recognition",
                              "vendor": "Amazon", "action": "uses"}]


def test_agency_ids_and_spans_index_tagged_text(tagger: Tagger) -> None:
    art = tag(tagger, "The Washington County Sheriff's Office in Oregon uses Rekognition to find suspects.",
              title="Deputies use face recognition")
    text = tagged_text(art.article)
    assert text.startswith("Deputies use face recognition\n\n")
    for m in art.mentions:
        assert text[m.start:m.end] == m.text
        assert m.text in m.sentence
    ids = {m.canonical_id for m in art.mentions}
    assert {"agency:OR0340000", "vendor:amazon", "tech:face_recognition"} <= ids
    assert art.tagger_version.startswith("tagger-1+")


def test_back_reference_to_the_department(tagger: Tagger) -> None:
    rec = record(tagger, "The Tulsa Police Department held a news conference on Monday about staffing. "
                         "The department bought four drones from Skydio last week, a spokesperson said.")
    assert rec["events"] == [{"agency": "Tulsa Police Department", "technology": "drones",
                              "vendor": "Skydio", "action": "acquires"}]
    assert rec["agencies"] == [{"name": "Tulsa Police Department", "state": "OK"}]


def test_city_reference_goes_to_the_citys_police(tagger: Tagger) -> None:
    rec = record(tagger, "Fresno will stop using its gunshot detection system in March. The Fresno Police "
                         "Department has paid for the sensors since 2015.")
    assert {"agency": "Fresno Police Department", "technology": "gunshot_detection", "vendor": None,
            "action": "ends"} in rec["events"]


def test_dateline_gives_the_state(tagger: Tagger) -> None:
    rec = record(tagger, "SPRINGFIELD, Ill. \u2014 The Springfield Police Department will add 20 license plate "
                         "readers this summer, the chief said.")
    assert rec["agencies"] == [{"name": "Springfield Police Department", "state": "IL"}]


def test_city_state_pair_gives_the_state(tagger: Tagger) -> None:
    rec = record(tagger, "In Berlin, Conn., the Berlin Police Department ended its body camera program.")
    assert rec["agencies"] == [{"name": "Berlin Police Department", "state": "CT"}]


def test_federal_agency_has_no_state(tagger: Tagger) -> None:
    rec = record(tagger, "U.S. Immigration and Customs Enforcement signed a contract with Clearview AI for "
                         "facial recognition, and ICE officials said the tool is already in use.")
    assert rec["agencies"] == [{"name": "U.S. Immigration and Customs Enforcement", "state": None}]
    assert rec["events"][0]["agency"] == "U.S. Immigration and Customs Enforcement"


def test_acronym_alone_resolves_to_the_federal_name(tagger: Tagger) -> None:
    rec = record(tagger, "CBP is testing drones along the border, the agency said on Tuesday.")
    assert rec["agencies"] == [{"name": "U.S. Customs and Border Protection", "state": None}]


def test_non_us_force_has_no_state(tagger: Tagger) -> None:
    rec = record(tagger, "LONDON \u2014 Greater Manchester Police began a trial of live facial recognition "
                         "cameras in the city centre on Friday.")
    assert rec["agencies"] == [{"name": "Greater Manchester Police", "state": None}]
    assert rec["events"][0]["action"] == "pilots"


def test_advocacy_groups_and_papers_are_not_agencies(tagger: Tagger) -> None:
    rec = record(tagger, "The American Civil Liberties Union of Texas and the Electronic Frontier Foundation "
                         "criticized the Austin Police Department's license plate readers, the Austin "
                         "American-Statesman reported. The Austin Police Foundation paid for the cameras.")
    assert [a["name"] for a in rec["agencies"]] == ["Austin Police Department"]
    assert rec["vendors"] == []


@pytest.mark.parametrize(("sentence", "action"), [
    ("The Dayton Police Department uses ShotSpotter to locate gunfire.", "uses"),
    ("The Dayton Police Department bought ShotSpotter sensors for the east side.", "acquires"),
    ("The Dayton Police Department will test ShotSpotter in a six-month pilot.", "pilots"),
    ("The Dayton Police Department is asking for $300,000 to install ShotSpotter.", "proposes"),
    ("The Dayton Police Department ended its ShotSpotter contract this week.", "ends"),
])
def test_action_classes(tagger: Tagger, sentence: str, action: str) -> None:
    rec = record(tagger, sentence)
    assert rec["events"] == [{"agency": "Dayton Police Department", "technology": "gunshot_detection",
                              "vendor": "SoundThinking", "action": action}]


def test_ban_by_council(tagger: Tagger) -> None:
    rec = record(tagger, "The Somerville City Council voted unanimously to ban facial recognition by city "
                         "departments, including the Somerville Police Department.")
    assert rec["events"] == [{"agency": "Somerville City Council", "technology": "face_recognition",
                              "vendor": None, "action": "bans"}]


def test_rejection_gives_council_rejects_and_police_proposes(tagger: Tagger) -> None:
    rec = record(tagger, "The Hayward City Council rejected a proposal from the Hayward Police Department to "
                         "buy a cell-site simulator.")
    events = {(e["agency"], e["action"]) for e in rec["events"]}
    assert events == {("Hayward City Council", "rejects"), ("Hayward Police Department", "proposes")}


def test_general_mention_makes_no_event(tagger: Tagger) -> None:
    rec = record(tagger, "Privacy advocates say drones and license plate readers are spreading across the "
                         "country. The Mesa Police Department hired 30 officers this year.")
    assert set(rec["technologies"]) == {"drones", "license_plate_readers"}
    assert rec["events"] == []


def test_delivery_drones_are_not_surveillance(tagger: Tagger) -> None:
    rec = record(tagger, "Zipline, which delivers medicine by drone, raised $100 million. The Federal "
                         "Aviation Administration approved its drone deliveries in Utah.")
    assert rec["technologies"] == [] and rec["events"] == [] and rec["vendors"] == []
    assert rec["agencies"] == [{"name": "Federal Aviation Administration", "state": None}]


def test_contract_record_format(tagger: Tagger) -> None:
    rec = record(tagger, "The Dayton Police Department uses ShotSpotter.")
    assert set(rec) == {"id", "agencies", "vendors", "technologies", "events"}
    assert rec["id"] == "t1"
    assert all(set(a) == {"name", "state"} for a in rec["agencies"])  # type: ignore[attr-defined]
    assert all(set(v) == {"name"} for v in rec["vendors"])  # type: ignore[attr-defined]
    assert all(set(e) == {"agency", "technology", "vendor", "action"} for e in rec["events"])  # type: ignore[attr-defined]


def test_events_carry_evidence(tagger: Tagger) -> None:
    art = tag(tagger, "Budget talks went long. The Dayton Police Department bought ShotSpotter sensors.")
    (event,) = art.events
    text = tagged_text(art.article)
    assert event.evidence == "The Dayton Police Department bought ShotSpotter sensors."
    assert text[event.evidence_start:].startswith(event.evidence)
    assert 0.0 < event.confidence <= 1.0
    assert event.agency_id.startswith("agency:") and event.vendor_id == "vendor:soundthinking"


def test_place_police_names_the_department(tagger: Tagger) -> None:
    rec = record(tagger, "TOLEDO, Ohio \u2014 Toledo police installed 60 surveillance cameras downtown this spring.")
    assert rec["agencies"] == [{"name": "Toledo Police Department", "state": "OH"}]
    assert rec["events"][0]["action"] == "acquires"


def test_place_police_merges_into_the_named_agency(tagger: Tagger) -> None:
    rec = record(tagger, "CLEVELAND \u2014 Cleveland police used Clearview AI to identify a suspect. The Cleveland Division of "
                         "Police said it would review its policy.")
    assert rec["agencies"] == [{"name": "Cleveland Division of Police", "state": "OH"}]


def test_unit_inside_an_agency_is_not_an_agency(tagger: Tagger) -> None:
    rec = record(tagger, "ICE's Homeland Security Investigations unit uses Cellebrite devices to copy phones.")
    assert [a["name"] for a in rec["agencies"]] == ["U.S. Immigration and Customs Enforcement"]


def test_quoted_agency_is_not_the_actor(tagger: Tagger) -> None:
    rec = record(tagger, "The Georgia State Patrol is equipping 200 cars with license plate readers, the "
                         "Georgia Department of Public Safety said.")
    assert [(e["agency"], e["action"]) for e in rec["events"]] == [("Georgia State Patrol", "acquires")]


def test_undecided_vendor_is_null(tagger: Tagger) -> None:
    rec = record(tagger, "The MARTA Police Department is testing body cameras from Getac and Axon before "
                         "choosing a vendor.")
    assert rec["events"] == [{"agency": "MARTA Police Department", "technology": "body_cameras",
                              "vendor": None, "action": "pilots"}]


def test_city_of_as_buyer(tagger: Tagger) -> None:
    rec = record(tagger, "DAYTON, Ohio \u2014 The City of Dayton signed a contract with ShotSpotter for "
                         "gunshot detection.")
    assert rec["events"] == [{"agency": "City of Dayton", "technology": "gunshot_detection",
                              "vendor": "SoundThinking", "action": "acquires"}]
    assert rec["agencies"] == [{"name": "City of Dayton", "state": "OH"}]


def test_initialism_refers_to_the_named_agency(tagger: Tagger) -> None:
    art = tag(tagger, "PORTLAND, Ore. \u2014 The Portland Police Bureau met residents on Monday. "
                      "PPB later bought two drones from Skydio.")
    ppb = [m for m in art.mentions if m.text == "PPB"]
    assert ppb and ppb[0].canonical_name == "Portland Police Bureau" and ppb[0].state == "OR"
    assert [(e.agency, e.action) for e in art.events] == [("Portland Police Bureau", "acquires")]


@pytest.mark.parametrize(("text", "state"), [
    ("SPRINGFIELD, Ill. (AP) \u2014 The Springfield Police Department bought drones.", "IL"),
    ("In Springfield, Missouri, the Springfield Police Department bought drones.", "MO"),
    ("The Springfield Police Department in Oregon bought drones.", "OR"),
])
def test_state_of_an_ambiguous_name_from_context(tagger: Tagger, text: str, state: str) -> None:
    assert record(tagger, text)["agencies"] == [{"name": "Springfield Police Department", "state": state}]


def test_federal_name_as_written_and_regulators_make_no_events(tagger: Tagger) -> None:
    rec = record(tagger, "Immigration and Customs Enforcement bought Clearview AI licenses, and ICE agents use "
                         "them daily. The Department of Commerce said the company's drones pose risks.")
    assert rec["agencies"] == [{"name": "Immigration and Customs Enforcement", "state": None},
                               {"name": "Department of Commerce", "state": None}]
    assert [e["agency"] for e in rec["events"]] == ["Immigration and Customs Enforcement"]


def test_unknown_vendor_from_ner_next_to_a_supplier_cue_anywhere_in_a_long_article(tagger: Tagger) -> None:
    # NER runs only on sentences holding a supplier cue: the vendor sits deep in the body (a piece after the
    # title's), after filler paragraphs, so its span must be mapped back from the sentence to the article.
    filler = "The board approved the minutes of the previous meeting without discussion. " * 40
    text = (f"The Fresno Police Department will put license plate readers on 20 patrol cars. {filler}\n\n"
            "The department signed a contract with Insight Public Sector, a reseller, for the readers. "
            "Officials from Bluewater Holdings attended the meeting.")
    art = tag(tagger, text, title="Fresno police add plate readers")
    vendors = [m for m in art.mentions if m.label == "vendor"]
    assert [m.text for m in vendors] == ["Insight Public Sector"]
    body = tagged_text(art.article)
    assert all(body[m.start:m.end] == m.text for m in art.mentions)
    assert {"name": "Insight Public Sector"} in contract_record("t1", art)["vendors"]


def test_unknown_vendor_opening_the_body_after_a_cue_in_the_title(tagger: Tagger) -> None:
    # The cue ("firm") ends the title and the company opens the body: different pieces and sentences.
    art = tag(tagger, "Veridian Labs Inc. will provide the software to the Springfield Police Department, which "
                      "will use face recognition on images from its cameras, the city said on Monday.",
              title="Springfield police pick facial recognition firm")
    assert "Veridian Labs" in [m.text.removesuffix(" Inc.") for m in art.mentions if m.label == "vendor"]
