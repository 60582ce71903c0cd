"""Search by what articles are about: query words that name a technology are held by the articles the tagger
tagged with it, and by untagged other-language articles naming it in one word; quoted phrases match stemmed."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from oversight.schemas.records import TaggedArticle
from oversight.schemas.settings import LakeLocation
from oversight.warehouse.search import (
    Filters,
    Named,
    SearchHit,
    _words,
    load_fts,
    named_technologies,
    phrase_pattern,
    refresh_search_index,
    search,
    searching,
)
from tests.research_fixtures import Ev, at, lake_in, land, story


def _tagged(article_id: str, ev: Ev, title: str, text: str) -> TaggedArticle:
    """An article tagged with `ev` (its mentions and event) whose text names the technology its own way."""
    base = story(article_id, at("2026-04-01"), [ev], title=title)
    return base.model_copy(update={"article": base.article.model_copy(update={"text": text})})


def _untagged(article_id: str, title: str, text: str, tag_status: str, language: str) -> TaggedArticle:
    """An article the tagger skipped (not_english) or read and found nothing in (off_topic)."""
    base = story(article_id, at("2026-04-06"), [], title=title, text=text)
    article = base.article.model_copy(update={"language": language})
    return TaggedArticle(article=article, tag_status=tag_status, tagger_version="test")


@pytest.fixture
def about(tmp_path: Path) -> LakeLocation:
    lake = lake_in(tmp_path)
    land(lake, [
        # tagged face_recognition, but its text says "facial recognition", never "face recognition"
        _tagged("brill", Ev("Brillford Police Department", "KS", "face_recognition"),
                "Brillford council limits facial recognition",
                "Aldermen voted to restrict facial recognition searches by Brillford Police Department detectives."),
        # both words, but apart, and about no technology: a text hit for the loose words only
        story("gala", at("2026-04-02"), [], title="Gala recognition night",
              text="Volunteers will face the crowd when the recognition awards are read."),
        _tagged("quill", Ev("Quillmoor Sheriff's Office", "NV", "license_plate_readers"),
                "Quillmoor deputies add plate reader cameras", "Twelve plate reader cameras will watch the roads."),
        story("ledger", at("2026-04-04"), [], title="Library ledger",
              text="The plate of the old press was shown to readers at the library."),
        _tagged("vantor", Ev("Vantor Police Department", "OH", "phone_forensics"), "Vantor police buy GrayKey",
                "Detectives can now extract data from a locked phone."),
        story("tools", at("2026-04-05"), [], title="Phone repair tools",
              text="A phone shop lends tools to residents."),
        _tagged("sky", Ev("Skellig County Sheriff's Office", "MT", "drones"), "Skellig sheriff flies a police drone",
                "The police drone program starts in May."),
        _untagged("orbe", "La Policía de Orbe compra drones",
                  "La Policía Local de Orbe ha adquirido seis drones para vigilar las playas.", "not_english", "es"),
        _untagged("parcel", "Parcel drones arrive",
                  "Delivery drones will carry parcels across the county.", "off_topic", "en"),
    ])
    refresh_search_index(lake)
    return lake


def _hits(lake: LakeLocation, terms: str) -> list[SearchHit]:
    with searching(lake) as con:
        return search(con, terms)


def _ids(lake: LakeLocation, terms: str) -> list[str]:
    return [h.article_id for h in _hits(lake, terms)]


def test_words_naming_a_technology_find_the_articles_tagged_with_it(about: LakeLocation) -> None:
    hits = {h.article_id: h for h in _hits(about, "face recognition")}
    assert set(hits) == {"brill", "gala"}  # the tagged story says "facial"; the gala holds both words as text
    assert hits["brill"].through == ["face_recognition"] and hits["gala"].through == []
    assert hits["brill"].missing == [] and "[facial recognition]" in hits["brill"].snippet
    assert _ids(about, "facial recognition") == ["brill"]  # no tag, no "facial": the gala is no hit here
    assert _ids(about, "FRT") == ["brill"]  # an acronym of the technology names it too


def test_a_name_is_held_whole_or_not_at_all(about: LakeLocation) -> None:
    # "phone unlocking" names phone_forensics: "phone" and "tools" without "unlocking" is not 2 words of 3
    hits = {h.article_id: h for h in _hits(about, "phone unlocking tools")}
    assert set(hits) == {"vantor"}
    assert hits["vantor"].missing == ["tools"] and hits["vantor"].through == ["phone_forensics"]


def test_articles_the_tagger_did_not_read_match_by_a_one_word_name(about: LakeLocation) -> None:
    # the Spanish story holds "police drones" through "drones"; the English delivery-drone story, which the
    # tagger read and did not tag (its exclusions), does not
    hits = _hits(about, "police drones")
    assert [h.article_id for h in hits] == ["sky", "orbe"]  # the text match ranks first
    assert hits[1].through == ["drones"] and "[drones]" in hits[1].snippet


def test_quoted_phrases_match_stemmed_words_in_order(about: LakeLocation) -> None:
    assert _ids(about, '"plate readers"') == ["quill"]  # "plate reader cameras"; not "plate ... readers"
    assert _ids(about, '"plate reader camera"') == ["quill"]
    assert _ids(about, '"readers plate"') == []
    # a phrase stays text: the tag does not stand in for it, unlike the same words unquoted
    assert _ids(about, '"face recognition"') == []
    assert "brill" in _ids(about, "face recognition")


def test_filters_apply_to_articles_found_through_their_tags(about: LakeLocation) -> None:
    with searching(about) as con:
        assert [h.article_id for h in search(con, "face recognition", filters=Filters(state="KS"))] == ["brill"]
        assert [h.article_id for h in search(con, "face recognition",
                                             filters=Filters(technology="drones"))] == []


def test_technology_names_in_a_query() -> None:
    assert named_technologies(["facial", "recognition", "cameras"]) == [
        Named("face_recognition", ("facial", "recognition"))]
    assert named_technologies(["license", "plate", "readers", "and", "police", "drones"]) == [
        Named("license_plate_readers", ("license", "plate", "readers")), Named("drones", ("police", "drones"))]
    assert named_technologies(["council", "vote"]) == []


def test_the_cheap_phrase_pattern_never_rejects_a_word_of_the_same_stem() -> None:
    # the pattern is tried before the stemmed comparison: it must match every word the stemmer maps to a stem
    pages = Path(__file__).resolve().parents[1] / "flows" / "sample" / "pages"
    words = sorted({w for page in pages.glob("*.html") for w in _words(page.read_text(encoding="utf-8"))}
                   | {"happy", "happiness", "possibility", "possibly", "relational", "hopping", "ponies"})
    con = duckdb.connect()
    load_fts(con)
    stems = con.execute("SELECT [stem(w, 'porter') FOR w IN ?]", [words]).fetchall()[0][0]
    assert len(words) > 1000
    assert [w for w, s in zip(words, stems, strict=True) if not re.search(phrase_pattern([s]), w)] == []
    assert not re.search(phrase_pattern(["plate", "reader"]), "plate of readers")
