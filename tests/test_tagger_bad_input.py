"""The tagger on bad input: empty, non-English, skipped, huge and odd-Unicode articles never crash."""

from __future__ import annotations

import pytest

from oversight.extractors.tagger import Tagger, load_tagger, tagged_text
from oversight.extractors.tagging.pipeline import CHUNK_CHARS, chunks
from oversight.schemas.records import Article


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def art(text: str, title: str = "", **kw: object) -> Article:
    return Article(article_id="b1", url="https://example.org/b1", title=title, text=text, **kw)  # type: ignore[arg-type]


def test_statuses_and_order(tagger: Tagger) -> None:
    batch = [
        art("", title="Only a title"),
        art("Die Polizei in Berlin setzt Drohnen ein.", language="de"),
        art("The page was gone.", status="http_404"),
        art("The Dayton Police Department uses ShotSpotter."),
        art("   \n\n  "),
    ]
    out = tagger.tag_articles(batch)
    assert [t.tag_status for t in out] == ["no_text", "not_english", "http_404", "ok", "no_text"]
    assert [t.article for t in out] == batch
    assert all(not t.mentions and not t.events for t in out if t.tag_status != "ok")
    assert out[3].events


def test_unlabelled_foreign_text_is_not_english(tagger: Tagger) -> None:
    text = ("La policía de la ciudad comenzó a usar drones para vigilar las manifestaciones, según el "
            "ayuntamiento, que aprobó un contrato con una empresa local para comprar cámaras y sensores. ") * 5
    assert tagger.tag_articles([art(text)])[0].tag_status == "not_english"


def test_odd_unicode_does_not_crash(tagger: Tagger) -> None:
    text = ("The Dayton Police Department\u2019s drones \u2014 bought in 2024 \U0001F681 \u202e\u0000\x07 "
            "\ufeffare used nightly.\ud800 Caf\u00e9 owners \u6d4b\u8bd5 complained.")
    (out,) = tagger.tag_articles([art(text, title="Dayton\u00a0drones \u2728")])
    assert out.tag_status == "ok"
    full = tagged_text(out.article)
    for m in out.mentions:
        assert full[m.start:m.end] == m.text or "\x00" in full[m.start:m.end]
    assert any(m.canonical_name == "Dayton Police Department" for m in out.mentions)


def test_two_megabyte_text_is_chunked(tagger: Tagger) -> None:
    filler = "The weather in the valley was mild and the farmers market opened on time this week.\n\n"
    body = filler * (2_000_000 // len(filler))
    body += "The Dayton Police Department bought ShotSpotter sensors for the east side."
    assert len(body) > 2_000_000
    (out,) = tagger.tag_articles([art(body)])
    assert out.tag_status == "ok"
    (event,) = out.events
    assert event.agency == "Dayton Police Department" and event.action == "acquires"
    full = tagged_text(out.article)
    assert full[event.evidence_start:].startswith(event.evidence)
    assert any(m.start > 2_000_000 for m in out.mentions)


def test_chunks_cover_the_text_exactly() -> None:
    text = "Title\n\n" + ("word " * 30_000 + "\n\n") * 3 + "x" * (CHUNK_CHARS + 10)
    pieces = chunks(text, title_len=5)
    assert pieces[0] == (0, "Title")
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= CHUNK_CHARS for _, p in pieces)
    assert all(text[off:off + len(p)] == p for off, p in pieces)
