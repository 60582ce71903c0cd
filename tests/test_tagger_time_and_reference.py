"""Which event a sentence reports when time, references and orders are involved: a clause opened by "until"
or "before" is a later event (it can be the news), a fronted date makes a purchase history, a sentence
opening with "It" continues the agency the sentence before opened with, the short form of an agency is that
agency, and a state attorney general's order to the state's police is a ban."""

from __future__ import annotations

from datetime import datetime

import pytest

from oversight.extractors.tagger import Tagger, contract_record, load_tagger
from oversight.schemas.records import Article


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def tagged(tagger: Tagger, text: str, year: int = 2024) -> list[tuple[str, str, str]]:
    art = Article(article_id="t1", url="https://example.org/t1", title="", text=text, published=datetime(year, 6, 1))
    return sorted((e.agency, e.technology, e.action) for e in tagger.tag_articles([art])[0].events)


@pytest.mark.parametrize("text", [
    "The Eugene Police Department kept its Clearview AI account until county lawyers said it had no choice "
    "but to give it up.",
    "The Eugene Police Department bought PredPol in 2019 and let its subscription end in March.",
    "The Eugene Police Department used PredPol for three years before it dropped the software in March.",
])
def test_a_later_end_is_the_news(tagger: Tagger, text: str) -> None:
    (event,) = tagged(tagger, text)
    assert event[0] == "Eugene Police Department" and event[2] == "ends"


def test_no_choice_but_is_not_a_negation(tagger: Tagger) -> None:
    text = "The Eugene Police Department had no choice but to give up face recognition after the ruling."
    assert tagged(tagger, text) == [("Eugene Police Department", "face_recognition", "ends")]


@pytest.mark.parametrize("text", [
    "In October 2021, after months of debate, the Eugene City Council approved a contract for drones for the "
    "Eugene Police Department.",
    "The Eugene Police Department said it first tried drones at a fair, and in 2019 it signed a new contract "
    "for drones with its supplier.",
])
def test_a_dated_purchase_is_history(tagger: Tagger, text: str) -> None:
    assert tagged(tagger, text) == [("Eugene Police Department", "drones", "uses")]


def test_a_purchase_this_year_stays_one(tagger: Tagger) -> None:
    text = "In March 2024, the Eugene Police Department signed a contract for drones."
    assert tagged(tagger, text) == [("Eugene Police Department", "drones", "acquires")]


def test_it_continues_the_agency_the_sentence_before_opened_with(tagger: Tagger) -> None:
    text = ("The Eugene Police Department is adding 10 license plate readers. It is also building a new "
            "real-time crime center downtown.")
    assert ("Eugene Police Department", "real_time_crime_center", "acquires") in tagged(tagger, text)


def test_it_after_a_company_is_no_agency(tagger: Tagger) -> None:
    text = ("Axon reported higher sales this quarter. It is building a new real-time crime center product, "
            "the company said. The Eugene Police Department uses body cameras.")
    assert [e for e in tagged(tagger, text) if e[1] == "real_time_crime_center"] == []


def test_a_vote_against_renewing_ends_and_a_tally_rejects(tagger: Tagger) -> None:
    ended = tagged(tagger, "The Eugene City Council voted 5-4 against extending the Eugene Police Department's "
                           "ShotSpotter contract.")
    assert ended == [("Eugene Police Department", "gunshot_detection", "ends")]
    rejected = tagged(tagger, "The Eugene City Council voted 5-4 against a Eugene Police Department proposal "
                              "for 20 surveillance cameras.")
    assert ("Eugene City Council", "camera_networks", "rejects") in rejected
    assert ("Eugene Police Department", "camera_networks", "proposes") in rejected


def test_a_short_form_is_the_named_agency(tagger: Tagger) -> None:
    text = ("The unit sits inside the U.S. Postal Inspection Service. The Inspection Service's analysts use "
            "facial recognition from Clearview AI.")
    assert tagged(tagger, text) == [("U.S. Postal Inspection Service", "face_recognition", "uses")]


def test_the_arm_of_an_agency_is_not_that_agency(tagger: Tagger) -> None:
    text = "The law enforcement arm of the U.S. Postal Service runs a unit that uses facial recognition."
    assert tagged(tagger, text) == []


def test_an_attorney_generals_order_to_stop_is_a_ban(tagger: Tagger) -> None:
    text = ("Oregon's attorney general has told police across the state to stop using Clearview AI, the "
            "Oregon Office of the Attorney General said Friday.")
    assert tagged(tagger, text) == [("Oregon Office of the Attorney General", "face_recognition", "bans")]


def test_a_product_from_its_owner_is_the_owners(tagger: Tagger) -> None:
    art = Article(article_id="t2", url="https://example.org/t2", title="", published=datetime(2024, 6, 1),
                  text="The Eugene Police Department will pilot 20 WatchGuard body cameras from Motorola Solutions.")
    (event,) = tagger.tag_articles([art])[0].events
    assert (event.vendor, event.action) == ("Motorola Solutions", "pilots")


def test_the_owner_of_a_supplying_unit_is_not_the_supplier(tagger: Tagger) -> None:
    art = Article(article_id="t3", url="https://example.org/t3", title="", published=datetime(2024, 6, 1),
                  text="The Eugene Police Department wants to buy 30 license plate readers from Motorola "
                       "Solutions' Vigilant unit.")
    (event,) = tagger.tag_articles([art])[0].events
    assert event.vendor == "Vigilant Solutions"


def test_a_pilot_awaiting_a_vote_is_a_proposal(tagger: Tagger) -> None:
    text = ("A six-month test of ShotSpotter in Eugene is on track to begin in May, the Eugene Police Department "
            "said. The pilot still needs the Eugene City Council's approval.")
    assert tagged(tagger, text) == [("Eugene Police Department", "gunshot_detection", "proposes")]


def test_what_a_technology_does_is_no_deed_of_the_agency(tagger: Tagger) -> None:
    text = ("The Eugene City Council banned predictive policing software, which assigns risk scores to people, "
            "for the Eugene Police Department. It also bars agreements with outside agencies that would run "
            "such forecasts. The ordinance requires the police department to list the technologies it uses.")
    assert tagged(tagger, text) == [("Eugene City Council", "predictive_policing", "bans")]


def test_a_named_unit_stands_for_its_agency(tagger: Tagger) -> None:
    text = ("An investigator in the Oregon Department of Justice's Criminal Justice Division had been using "
            "social media monitoring software. Oregon's attorney general said she ordered her agency to stop "
            "the social media monitoring.")
    assert tagged(tagger, text) == [("Oregon Department of Justice", "social_media_monitoring", "ends")]


def test_a_common_council_is_its_citys(tagger: Tagger) -> None:
    text = "The Syracuse Common Council rejected a Syracuse Police Department request for drones."
    assert tagged(tagger, text) == [("Syracuse Common Council", "drones", "rejects"),
                                    ("Syracuse Police Department", "drones", "proposes")]


def test_police_services_and_a_headline_short_form_are_the_agency(tagger: Tagger) -> None:
    art = Article(article_id="t4", url="https://example.org/t4", title="Loveland police test drones",
                  published=datetime(2024, 6, 1),
                  text="LOVELAND, Colo. \u2014 Loveland Police Services will pilot drones from Skydio this summer.")
    rec = contract_record("t4", tagger.tag_articles([art])[0])
    assert [a["name"] for a in rec["agencies"]] == ["Loveland Police Services"]
    assert [(e["agency"], e["action"]) for e in rec["events"]] == [("Loveland Police Services", "pilots")]


def test_a_councils_rejection_names_the_proposals_vendor(tagger: Tagger) -> None:
    art = Article(article_id="t5", url="https://example.org/t5", title="", published=datetime(2024, 6, 1),
                  text="The Eugene Police Department asked for ShotSpotter gunshot detection sensors. The Eugene "
                       "City Council rejected the request on Tuesday.")
    events = {(e.agency, e.action): e.vendor for e in tagger.tag_articles([art])[0].events}
    assert events == {("Eugene Police Department", "proposes"): "SoundThinking",
                      ("Eugene City Council", "rejects"): "SoundThinking"}


def test_the_named_manufacturer_supplies_what_the_sentence_is_about(tagger: Tagger) -> None:
    art = Article(article_id="t6", url="https://example.org/t6", title="", published=datetime(2024, 6, 1),
                  text="Eugene Police Department officers began testing body cameras with built-in facial "
                       "recognition, in what the department and the manufacturer, Axon Enterprise, call a trial.")
    vendors = {e.technology: e.vendor for e in tagger.tag_articles([art])[0].events}
    assert vendors["face_recognition"] == "Axon"


def test_a_company_a_regulator_fined_is_not_the_agencys_vendor(tagger: Tagger) -> None:
    art = Article(article_id="t7", url="https://example.org/t7", title="", published=datetime(2024, 6, 1),
                  text="The Eugene Police Department bought live facial recognition vans this year. Separately, "
                       "a privacy regulator fined the company Clearview AI $9 million last year.")
    (event,) = tagger.tag_articles([art])[0].events
    assert (event.action, event.vendor) == ("acquires", None)
