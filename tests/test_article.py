"""Article extraction from saved pages: every extractor, metadata cleaning, dates, language, no_text."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.extractors import article
from oversight.extractors.article import EXTRACTORS, drop_title_line, extract_page, text_status
from oversight.extractors.metadata import canonical_link, choose_published, clean_authors, url_date

DATA = Path(__file__).parent / "data" / "ingest"
URL = "https://gazette.example/news/riverside-deputies?utm_source=rss"


def page(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_every_extractor_reads_the_article(extractor: str) -> None:
    result = extract_page(page("article_en.html"), URL, extractor=extractor)
    assert result.status == "ok"
    assert result.title == "Riverside County deputies to test facial recognition app"
    assert "six-month pilot of a facial recognition app" in result.text
    assert "independent review before any expansion" in result.text
    assert "Privacy" not in result.text and "County budget passes" not in result.text
    assert result.authors == ["Dana Whitfield"]
    assert result.published is not None and result.published.date().isoformat() == "2026-11-18"
    assert result.language == "en"
    assert result.top_image == "https://gazette.example/img/deputy-phone.jpg"
    assert result.canonical_url == "https://gazette.example/news/2026/11/18/riverside-deputies-facial-recognition"
    assert result.extractor.split(":")[0] == extractor


def test_unknown_extractor_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="newspaper3k"):
        extract_page("<html></html>", URL, extractor="goose")


def test_non_english_page_gets_its_language() -> None:
    result = extract_page(page("article_es.html"), "https://diario.example/nota")
    assert result.language == "es" and result.status == "ok"


def test_paywall_stub_is_no_text() -> None:
    result = extract_page(page("paywall.html"), "https://paper.example/2020/01/05/story")
    assert result.status == "no_text"
    # The page's own metadata date wins over the one in the URL.
    assert result.published == datetime(2026, 11, 2, tzinfo=UTC)


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<html><body><p>Too short.</p></body></html>",
                                  "\x00\x01 not html at all", "<<<>>>"])
def test_empty_or_junk_pages_are_no_text_not_errors(html: str) -> None:
    for extractor in EXTRACTORS:
        result = extract_page(html, URL, extractor=extractor)
        assert result.status == "no_text"


def test_feed_date_when_the_page_has_none() -> None:
    html = page("article_es.html")
    feed_date = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
    assert extract_page(html, "https://diario.example/nota", feed_published=feed_date).published == feed_date


def test_url_date_as_last_resort() -> None:
    result = extract_page(page("article_es.html"), "https://diario.example/2025/07/09/nota")
    assert result.published == datetime(2025, 7, 9, tzinfo=UTC)


def test_choose_published_order() -> None:
    day = datetime(2026, 11, 18, tzinfo=UTC)
    same_day_feed = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)
    other_feed = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert choose_published(day, same_day_feed, "") == same_day_feed  # same fact, with a time of day
    assert choose_published(day, other_feed, "") == day
    assert choose_published(None, other_feed, "https://x.example/2020/01/02/a") == other_feed
    assert choose_published(None, None, "https://x.example/2020/01/02/a") == datetime(2020, 1, 2, tzinfo=UTC)
    assert choose_published(None, None, "https://x.example/a") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://x.example/2019/11/05/story", (2019, 11, 5)), ("https://x.example/news/2019-11-05-story", (2019, 11, 5)),
     ("https://x.example/20191105/story", (2019, 11, 5)), ("https://x.example/2019/13/45/story", None),
     ("https://x.example/story-12345678", None)],
)
def test_url_date(url: str, expected: tuple[int, int, int] | None) -> None:
    found = url_date(url)
    assert (found.timetuple()[:3] if found else None) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(["Reporter For Nbc News"], []),
     (["Dana Whitfield, Reporter For Nbc News"], ["Dana Whitfield"]),
     (["By Jane Doe and John Roe"], ["Jane Doe", "John Roe"]),
     (["https://www.facebook.com/janedoe", "@janedoe", "Jane Doe"], ["Jane Doe"]),
     (["Jane Doe; jane doe", "Staff Writer", "Associated Press Staff"], ["Jane Doe"]),
     (["Maria Peña | Senior Correspondent"], ["Maria Peña"]),
     (["The Editorial Board"], []),
     (["A very long string that is clearly a sentence and not a name"], [])],
)
def test_clean_authors(raw: list[str], expected: list[str]) -> None:
    assert clean_authors(raw) == expected


def test_canonical_link_forms() -> None:
    base = "https://site.example/a/b"
    assert canonical_link('<link href="/c" rel="canonical">', base) == "https://site.example/c"
    assert canonical_link("<link rel=canonical href=https://site.example/x>", base) == "https://site.example/x"
    assert canonical_link("<link rel='Canonical amphtml' href=/d>", base) == "https://site.example/d"
    assert canonical_link('<meta property="og:url" content="https://site.example/og">', base) == "https://site.example/og"
    assert canonical_link("<link rel='stylesheet' href='/s.css'>", base) is None


def test_a_canonical_on_another_site_is_ignored() -> None:
    """A page names its own site's article, never another's (registrable domain, public-suffix list)."""
    base = "https://www.site.co.uk/story"
    assert canonical_link('<link rel=canonical href="https://news.site.co.uk/a">', base) == "https://news.site.co.uk/a"
    assert canonical_link('<link rel=canonical href="https://other.co.uk/a">', base) is None
    assert canonical_link('<link rel=canonical href="https://co.uk/a">', base) is None
    # a cross-site canonical does not hide a same-site og:url, nor the other way round
    assert canonical_link('<link rel=canonical href="http://victim.com/a"><meta property=og:url '
                          'content="https://www.site.co.uk/b">', base) == "https://www.site.co.uk/b"
    # private suffixes are sites of their own: one github.io tenant cannot claim another's page
    assert canonical_link('<link rel=canonical href="https://bob.github.io/a">', "https://eve.github.io/a") is None
    assert canonical_link('<link rel=canonical href="http://127.0.0.1:8000/a">', "http://127.0.0.2:8000/b") is None


def test_text_status_threshold() -> None:
    assert text_status("word " * 49) == "no_text"
    assert text_status("word " * 60) == "ok"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: f"<html><body><p>{a}</p><div>{b}</div></body></html>",
                                          st.text(max_size=200), st.text(max_size=200)))
def test_extract_page_never_raises(html: str) -> None:
    result = extract_page(html, URL)
    assert result.status in ("ok", "no_text")


def test_chain_takes_readability_where_trafilatura_kept_next_to_nothing() -> None:
    # A real page (see tests/data/extraction/README.md): trafilatura keeps a reprints notice, readability the story.
    html = gzip.decompress((DATA.parent / "extraction" / "barrons-home-depot.html.gz").read_bytes()).decode("utf-8")
    page = extract_page(html, "https://www.barrons.com/articles/home-depot-stock-earnings-report-51574168486")
    assert page.extractor == "chain:readability"
    assert "Home Depot shares are up about 40% year to date" in page.text
    assert page.status == "ok"


def test_chain_skips_readability_when_the_page_holds_no_more_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # readability (~19 ms a page) runs only where it could return over twice trafilatura's text.
    calls: list[str] = []
    monkeypatch.setattr(article, "_readability_text", lambda html: calls.append(html) or "")
    paragraphs = "".join(f"<p>Paragraph {i} of the council story, with enough words to count as prose here.</p>"
                         for i in range(12))
    html = f"<html><head><title>Council story</title></head><body><article>{paragraphs}</article></body></html>"
    page = extract_page(html, "https://example.org/news/council-story")
    assert page.extractor == "chain:trafilatura" and "Paragraph 11" in page.text
    assert calls == []


@pytest.mark.parametrize("html", [
    # Text in <div>s and <br> lines, no <p>: readability turns such divs into paragraphs.
    "<html><body><div class='nav'><a href='/'>Home</a></div><div class='story'>"
    + "<br>".join(f"Line {i} of the story told in plain lines of a div, the way some old sites write." for i in range(40))
    + "</div></body></html>",
    # An XML declaration in the text: lxml refuses it in a str, so the page must still be measured.
    "<?xml version='1.0' encoding='utf-8'?><html><body>"
    + "".join(f"<p>Paragraph {i} of a story served as XHTML with enough words to count here.</p>" for i in range(30))
    + "</body></html>",
])
def test_chain_runs_readability_where_the_page_holds_more_text_than_trafilatura_kept(
    html: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    kept = "A first paragraph that trafilatura kept. " * 15  # over SHORT_TEXT_CHARS, under half the page's text
    monkeypatch.setattr(article, "_trafilatura", lambda html, url: article._Raw("trafilatura", "", kept))
    monkeypatch.setattr(article, "_readability_text", lambda html: calls.append(html) or "")
    extract_page(html, "https://example.org/news/story")
    assert calls == [html]


@pytest.mark.parametrize("text,title,kept", [
    ("Austin police buy drones\nAUSTIN, Texas — The department bought six.", "Austin police buy drones",
     "AUSTIN, Texas — The department bought six."),
    ("AUSTIN POLICE BUY DRONES!\nAUSTIN — Six.", "Austin police buy drones", "AUSTIN — Six."),
    ("Austin police buy drones\nAUSTIN — Six.", "Austin police buy drones | KXAN", "AUSTIN — Six."),
    # a lede that merely starts like the headline, or a text that is only one line, is kept whole
    ("Austin police buy drones for the lake patrol.\nMore.", "Austin police buy drones",
     "Austin police buy drones for the lake patrol.\nMore."),
    ("Austin police buy drones", "Austin police buy drones", "Austin police buy drones"),
    ("AUSTIN — Six drones.\nAustin police buy drones", "Austin police buy drones",
     "AUSTIN — Six drones.\nAustin police buy drones"),
])
def test_a_leading_copy_of_the_headline_is_dropped(text: str, title: str, kept: str) -> None:
    assert drop_title_line(text, title) == kept


def test_no_sample_page_text_starts_with_its_title() -> None:
    pages = sorted((Path(__file__).resolve().parents[1] / "flows" / "sample" / "pages").glob("*.html"))
    extracted = [extract_page(p.read_text(encoding="utf-8"), f"http://sample.invalid/pages/{p.name}") for p in pages]
    assert len(extracted) == 37 and all(page.title for page in extracted)
    repeating = [page.title for page in extracted if page.text.split("\n", 1)[0].strip() == page.title]
    assert repeating == []
