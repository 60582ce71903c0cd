"""Off-topic articles skip statistical NER: no technology or vendor named means no event is possible."""

from __future__ import annotations

from oversight.extractors.tagger import load_tagger
from oversight.schemas.records import Article

BAKERY = ("SPRINGFIELD, Ill. — A new bakery opened on Main Street on Saturday, and the line stretched around "
          "the block by seven in the morning. The Springfield Police Department closed one lane of traffic "
          "for the ribbon cutting. The owners said sourdough and cinnamon rolls sold out before noon. ")
PLATES = ("SPRINGFIELD, Ill. — The Springfield Police Department signed a contract with Flock Safety for "
          "twenty license plate reader cameras, the chief said on Monday. ")


def test_an_article_without_technology_is_off_topic_but_keeps_its_agencies() -> None:
    tagged = load_tagger().tag_articles([
        Article(article_id="bakery", url="http://x/1", title="Bakery opens", text=BAKERY * 3, language="en"),
        Article(article_id="plates", url="http://x/2", title="Plate readers", text=PLATES * 3, language="en"),
    ])
    bakery, plates = tagged
    assert bakery.tag_status == "off_topic" and bakery.events == []
    assert {(m.label, m.canonical_name, m.state) for m in bakery.mentions} == {
        ("agency", "Springfield Police Department", "IL")}
    assert plates.tag_status == "ok"
    assert [(e.agency, e.technology, e.vendor) for e in plates.events] == [
        ("Springfield Police Department", "license_plate_readers", "Flock Safety")]
