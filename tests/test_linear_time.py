"""Attacker text costs its length, not its square: every text-facing function on megabytes of hostile input.

Each call runs under a time budget (the same SIGALRM budget the CPU pool gives an item). The budgets are
generous for linear work on a busy machine (~1 s a megabyte here) and hopeless for quadratic work, which on
these inputs takes hours (300,000 `<` took 70 s in the old summary cleaner; 48 KB of unclosed canonical
links 33 s in the old canonical regex).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.extractors.article import extract_page
from oversight.extractors.feeds import _clean, parse_feed
from oversight.extractors.httpbody import decode_text
from oversight.extractors.metadata import canonical_link, clean_authors
from oversight.extractors.tagging import actions
from oversight.extractors.urls import canonical_url, unwrap_redirect
from oversight.flows.cpu import time_budget
from oversight.schemas.records import Article

MB = 1_000_000
BUDGET_S = 60.0
# Pieces that made a regex or a parser backtrack, recurse or copy: runs of unclosed tags, of spaces, of
# hypothetical cues, of clause breaks, of entities, of comments; lone surrogates and control characters.
FRAGMENTS = ["<", "<a ", "<link rel=canonical ", '<meta property="og:url" ', "<p>", "<div>", "<!--", " ", "\t",
             "\n", "could test ", "may ban ", ", and ", ", but ", "; ", " \u2014 ", "A.", "after ", "by ", " and ",
             "&", "&#", "&amp;", "\ud800", "\x00", "Police Department ", "the police used Clearview AI; ", "=",
             "http://", "%", "?a=", "/"]
PROPERTY = settings(max_examples=4, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def hostile(size: int) -> st.SearchStrategy[str]:
    """`size` characters of one to three repeated fragments, with an ending that may or may not close them."""
    def build(parts: list[str], tail: str) -> str:
        unit = "".join(parts)
        return unit * (size // len(unit)) + tail
    return st.builds(build, st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=3),
                     st.sampled_from(["", ">", "x", ".", "\n\n"]))


def within_budget(fn: Callable[[], object]) -> None:
    with time_budget(BUDGET_S):  # raises ItemTimeout, failing the test, if the budget runs out
        fn()


@PROPERTY
@given(hostile(3 * MB))
def test_feed_text_cleaning(text: str) -> None:
    within_budget(lambda: _clean(text))


@PROPERTY
@given(hostile(MB))
def test_feed_parsing(text: str) -> None:
    body = text.replace("\x00", "").replace("\ud800", "")
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>{body[:1000]}</title>'
            f"<link>http://site.example/a</link><description>{body}</description></item></channel></rss>")
    within_budget(lambda: parse_feed(feed.encode(), "http://site.example/feed", max_entries=10))


@PROPERTY
@given(hostile(3 * MB))
def test_page_metadata(text: str) -> None:
    within_budget(lambda: canonical_link(text, "http://site.example/a"))
    within_budget(lambda: clean_authors([text, text[:1000]]))
    within_budget(lambda: decode_text(text.encode("utf-8", "surrogatepass"), None))


@PROPERTY
@given(hostile(3 * MB))
def test_page_extraction(text: str) -> None:
    within_budget(lambda: extract_page(f"<html><head><title>t</title></head><body><p>{text}</p></body></html>",
                                       "http://site.example/a"))


@PROPERTY
@given(hostile(3 * MB))
def test_action_rules(text: str) -> None:
    within_budget(lambda: (actions.classify(text, 2024), actions.segments(text), actions.fronted_clause_end(text),
                           actions.dateline_end(text)))


@PROPERTY
@given(hostile(3 * MB))
def test_urls(text: str) -> None:
    within_budget(lambda: (canonical_url("http://site.example/" + text), unwrap_redirect("http://site.example/?u=" + text)))


@pytest.fixture(scope="module")
def tagger() -> object:
    from oversight.extractors.tagger import load_tagger

    return load_tagger()


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(hostile(MB))
def test_tagging(tagger: object, text: str) -> None:
    # English-looking and on topic, so every rule runs (off-topic or foreign text is skipped early).
    body = "The police department said it used Clearview AI facial recognition. " * 20 + text
    article = Article(article_id="x", url="http://site.example/a", title="Police buy cameras", text=body,
                      language="en")
    within_budget(lambda: tagger.tag_articles([article]))  # type: ignore[attr-defined]


_OLD_MODAL = re.compile(r"\b(can|could|may|might|should)\s+(\w+\s+)?$", re.I)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["can", "Could", "MAY", "might", "should", "scan", "test", "x", "_", "1", "é",
                                 " ", "  ", "\t", "\n", "-", "'", "."]), max_size=10), st.integers(0, 60))
def test_the_modal_scan_agrees_with_the_regex_it_replaced(words: list[str], cut: int) -> None:
    text = "".join(words)
    end = min(cut, len(text))
    assert actions.after_modal(text, end) == bool(_OLD_MODAL.search(text[:end]))
