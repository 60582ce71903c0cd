"""Google News article links resolve to the publisher's page: parsing on its own, then both steps (article
page, batchexecute POST) against a loopback stand-in that checks the real request shapes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.extractors.aggregators import (
    batchexecute_body,
    decoding_params,
    google_news_link,
    publisher_url,
)
from oversight.extractors.fetch import fetch_pages
from oversight.schemas.settings import Settings
from tests.httpserver import HTTPTestServer, Request, Response

ARTICLE_ID = "CBMiqwFBVV95cUxNMTRqdUZpNl9hQldXbGo2YVVLOGFQdkFLYldlMUxUVlNEaElsYjRR"
SIGNATURE, TIMESTAMP = "AZ5r3eTQ1mqj-0XbV3o9", "1732451234"
ARTICLE_PAGE = f"""<!doctype html><html><head><title>Google News</title></head><body>
<c-wiz jsrenderer="x"><div jscontroller="aLI87" jsaction="rcuQ6b:npT2md" data-n-a-id="{ARTICLE_ID}"
 data-n-a-ts="{TIMESTAMP}" data-n-a-sg="{SIGNATURE}" data-n-au="1"></div></c-wiz>
<p>Opening the article in a moment.</p></body></html>"""
STORY = ("<html><head><title>Council approves license plate readers</title></head><body><article><h1>Council "
         "approves license plate readers</h1>" + "<p>The Springfield Police Department will deploy automated "
         "license plate readers from Flock Safety, the council decided on Tuesday night.</p>" * 6
         + "</article></body></html>")


def answer(url: str) -> str:
    """A batchexecute answer as Google sends it: an XSSI guard, then length-prefixed JSON rows."""
    rows = json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]), None, None, None, "generic"],
                       ["di", 44], ["af.httprm", 43, "-6318294737645203340", 18]])
    return f")]}}'\n\n{len(rows)}\n{rows}\n"


def google_stand_in(google: HTTPTestServer, publisher_url_: str) -> None:
    """Answers like news.google.com: the article page with its signature, and batchexecute for that id only."""
    google.add(f"/rss/articles/{ARTICLE_ID}", ARTICLE_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    google.add("/robots.txt", "User-agent: *\nAllow: /rss/\n", headers={"Content-Type": "text/plain"})

    def batchexecute(request: Request) -> Response:
        if request.method != "POST":
            return Response(405, {"Content-Type": "text/plain"}, b"POST only")
        envelope = json.loads(parse_qs(request.body.decode())["f.req"][0])
        rpc, payload = envelope[0][0][0], json.loads(envelope[0][0][1])
        if rpc != "Fbv4je" or payload[0] != "garturlreq" or payload[2:] != [ARTICLE_ID, int(TIMESTAMP), SIGNATURE]:
            return Response(400, {"Content-Type": "text/plain"}, b"bad request")
        return Response(200, {"Content-Type": "application/json; charset=utf-8"}, answer(publisher_url_))

    google.routes["/_/DotsSplashUi/data/batchexecute"] = batchexecute


def loopback_settings(google: HTTPTestServer) -> Settings:
    return Settings(allow_private_networks=True, per_host_interval=0, google_news_origin=google.base_url)


def test_links_are_recognised_only_on_the_aggregator_with_a_plain_id() -> None:
    link = google_news_link(f"https://news.google.com/rss/articles/{ARTICLE_ID}?oc=5&hl=en-GB&gl=GB&ceid=GB:en")
    assert link is not None and link.article_id == ARTICLE_ID
    assert link.params_page == f"https://news.google.com/rss/articles/{ARTICLE_ID}?hl=en-GB&gl=GB&ceid=GB%3Aen"
    assert google_news_link(f"https://news.google.com/read/{ARTICLE_ID}") is not None
    assert google_news_link(f"https://news.google.com.evil.example/rss/articles/{ARTICLE_ID}") is None
    assert google_news_link("https://news.google.com/rss/search?q=police") is None
    assert google_news_link("https://news.google.com/rss/articles/..%2f..%2fadmin") is None
    assert google_news_link("http://[::1") is None


def test_the_signature_is_read_from_the_page_and_the_answer_names_the_publisher() -> None:
    assert decoding_params(ARTICLE_PAGE) == (SIGNATURE, TIMESTAMP)
    assert decoding_params("<html><body><div data-n-a-sg='only'></div></body></html>") is None
    assert decoding_params("") is None
    link = google_news_link(f"https://news.google.com/rss/articles/{ARTICLE_ID}")
    assert link is not None
    sent = json.loads(parse_qs(batchexecute_body(link, SIGNATURE, TIMESTAMP).decode())["f.req"][0])
    assert json.loads(sent[0][0][1])[2:] == [ARTICLE_ID, int(TIMESTAMP), SIGNATURE]
    assert publisher_url(answer("https://www.example-news.com/2026/11/story")) == \
        "https://www.example-news.com/2026/11/story"
    # Google's own pages and other schemes are never taken for the publisher.
    assert publisher_url(answer("https://news.google.com/articles/other")) is None
    assert publisher_url(answer("javascript:alert(1)")) is None
    assert publisher_url(")]}'\n\n[[\"e\",4,null,null,131]]") is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=2000))
def test_any_answer_or_page_text_yields_a_url_or_none_never_an_exception(text: str) -> None:
    assert publisher_url(text) is None or publisher_url(text, "https://news.google.com")
    decoding_params(text)


def test_a_google_news_entry_is_fetched_from_the_publisher_through_both_steps() -> None:
    with HTTPTestServer() as google, HTTPTestServer() as publisher:
        story_url = publisher.add("/2026/11/council-plate-readers.html", STORY,
                                  headers={"Content-Type": "text/html; charset=utf-8"})
        google_stand_in(google, story_url)
        link = f"{google.base_url}/rss/articles/{ARTICLE_ID}?oc=5"
        [result] = fetch_pages(loopback_settings(google), [link])
    assert result.outcome == "ok", result.error
    assert (result.url, result.final_url) == (link, story_url)
    assert "Flock Safety" in (result.text or "")
    posted = google.requests_to("/_/DotsSplashUi/data/batchexecute")
    assert [r.method for r in posted] == ["POST"]
    assert posted[0].headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_a_failed_lookup_is_a_clear_outcome_and_googles_page_is_never_the_article() -> None:
    with HTTPTestServer() as google:
        google.add(f"/rss/articles/{ARTICLE_ID}", "<html><body><p>Sorry, unusual traffic.</p></body></html>",
                   headers={"Content-Type": "text/html"})
        link = f"{google.base_url}/rss/articles/{ARTICLE_ID}"
        [result] = fetch_pages(loopback_settings(google), [link])
        assert result.outcome == "aggregator_unresolved" and result.bad_input
        assert result.text is None and result.final_url == link
        assert "signature" in (result.error or "")
        assert not google.requests_to("/_/DotsSplashUi/data/batchexecute")


def test_an_unreachable_lookup_is_transient_and_retried_by_a_later_run() -> None:
    with HTTPTestServer() as google:
        google.add(f"/rss/articles/{ARTICLE_ID}", ARTICLE_PAGE, headers={"Content-Type": "text/html"})
        google.add("/_/DotsSplashUi/data/batchexecute", "busy", status=503, headers={"Retry-After": "0"})
        [result] = fetch_pages(loopback_settings(google), [f"{google.base_url}/rss/articles/{ARTICLE_ID}"])
    assert result.outcome == "http_5xx" and result.transient
