"""The review pages over a real lake (Starlette's test client): filters, the event page, reviews, CSRF, tokens,
the Atom feed, and hostile article text kept as text."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from oversight.flows.web import WebError, create_app
from oversight.schemas.settings import Settings, load_settings
from oversight.warehouse import db
from oversight.warehouse.loader import event_id
from tests.research_fixtures import Ev, at, land, research_warehouse, story

HOSTILE = '<script>alert("t")</script><img src=x onerror=alert(1)>'
A2_FACE = event_id("a2", "agency:dallas-police-department", "face_recognition")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "w"
    lake = research_warehouse(home)
    bad = story("h1", at("2026-03-11"), [Ev("Austin Police Department", "TX", "robots", "pilots")],
                title="Robots " + HOSTILE, text="More: " + HOSTILE + " ]]> &amp; done.")
    bad = bad.model_copy(update={"article": bad.article.model_copy(update={"url": "javascript:alert(2)"})})
    land(lake, [bad])
    return load_settings(home=home)


def client(settings: Settings, host: str = "127.0.0.1:8780") -> TestClient:
    return TestClient(create_app(settings), base_url=f"http://{host}")


def links(page: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'href="(/events/[^"]+)"', page)]


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def test_the_list_filters_sorts_and_pages(settings: Settings) -> None:
    web = client(settings)
    everything = web.get("/")
    assert everything.status_code == 200
    # Every event is listed for review, a syndicated copy's too: a1 x2, its copy a1c x2, a2, a3, a4, a5, h1.
    assert len({u.split("?")[0] for u in links(everything.text)}) == 9
    faces = web.get("/?technology=face_recognition").text
    assert {u.split("?")[0] for u in links(faces)} == {f"/events/{A2_FACE}",
                                                      f"/events/{event_id('a4', 'agency:portland-police-bureau', 'face_recognition')}"}
    texas_adoptions = web.get("/?state=tx&action=adoption&week=2026-W10").text
    assert "Portland" not in texas_adoptions
    assert texas_adoptions.count("<tr data-href") == 5  # a1 x2, its copy x2, a2
    by_agency = web.get("/?agency=Dallas Police Department&sort=confidence").text
    assert by_agency.count("<tr data-href") == 2
    assert web.get("/?vendor=vendor:skydio").text.count("<tr data-href") == 3  # a1, its copy, a3
    bad = web.get("/?week=2026-13")
    assert bad.status_code == 400 and "is not an ISO week" in bad.text
    assert web.get("/?review=needs").text.count("<tr data-href") == 0  # every fixture event is confident


def test_the_event_page_marks_evidence_and_mentions_and_escapes_the_article(settings: Settings) -> None:
    web = client(settings)
    robots = web.get("/?technology=robots").text
    page = web.get(links(robots)[0])
    assert page.status_code == 200
    body = page.text
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in body
    assert 'href="javascript:' not in body and 'id="source">' in body
    evidence = re.search(r'<mark class="evidence" id="evidence">(.*?)</mark>', body, re.S)
    assert evidence and re.sub(r"<[^>]+>", "", evidence.group(1)) == "The Austin Police Department pilots robots."
    assert '<span class="mention m-agency" title="agency: Austin Police Department">Austin Police Department</span>' \
        in evidence.group(1)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    timeline = re.search(r'<table id="timeline">(.*?)</table>', body, re.S)
    assert timeline and timeline.group(1).count("<tr") == 4  # Austin: a1 x2 (copy folded out), a3, h1


def test_review_forms_record_corrections_and_move_through_the_queue(settings: Settings) -> None:
    web = client(settings)
    listing = web.get("/?technology=face_recognition").text  # newest first: a4 (Portland), then a2 (Dallas)
    a4_face, a2_link = links(listing)[0].split("?")[0], [u for u in links(listing) if A2_FACE in u][0]
    assert a2_link.endswith("pos=1")
    token = form_token(web.get(a2_link).text)
    target = f"/events/{A2_FACE}"
    queue = {"q": "technology=face_recognition", "pos": "1"}
    done = web.post(target + "/review", data={"csrf": token, "do": "correct", "reviewer": "ana",
                                              "set_action": "acquires", **queue}, follow_redirects=False)
    assert done.status_code == 303
    after = web.get(done.headers["location"]).text
    assert re.search(r'id="ev-action">acquires<', after) and "action pilots -&gt; acquires" in after
    assert re.search(r'id="review-state">corrected<', after)
    with db.reader(settings.lake) as con:
        assert con.execute("SELECT field, new_value, reviewer FROM corrections").fetchall() == [
            ("action", "acquires", "ana")]
    # Confirming the first of the queue moves on to the second.
    confirmed = web.post(a4_face + "/review", data={"csrf": token, "do": "confirm", "reviewer": "ana",
                                                    "q": "technology=face_recognition", "pos": "0"},
                         follow_redirects=False)
    assert confirmed.headers["location"].startswith(target + "?") and "pos=1" in confirmed.headers["location"]
    # Rejecting the last one ends the queue, and the rejected event leaves the default list.
    rejected = web.post(target + "/review", data={"csrf": token, "do": "reject", "reviewer": "ana", **queue},
                        follow_redirects=False)
    assert "end+of+the+queue" in rejected.headers["location"]
    assert A2_FACE not in web.get("/?technology=face_recognition").text
    assert A2_FACE in web.get("/?technology=face_recognition&review=rejected").text
    assert web.get("/queue?q=technology%3Dface_recognition&pos=0",
                   follow_redirects=False).headers["location"].startswith(a4_face)


def timeline_of(web: TestClient, event_path: str) -> str:
    found = re.search(r'<table id="timeline">(.*?)</table>', web.get(event_path).text, re.S)
    assert found
    return found.group(1)


def test_an_event_whose_agency_is_corrected_moves_to_the_other_agencys_timeline(settings: Settings) -> None:
    web = client(settings)
    austin = links(web.get("/?technology=robots").text)[0].split("?")[0]
    assert A2_FACE not in timeline_of(web, austin) and timeline_of(web, austin).count("<tr") == 4
    token = form_token(web.get(f"/events/{A2_FACE}").text)
    moved = web.post(f"/events/{A2_FACE}/review", data={"csrf": token, "do": "correct", "reviewer": "ana",
                                                        "set_agency": "Austin Police Department"})
    assert moved.status_code == 200 and "agency agency:dallas-police-department -&gt;" in moved.text
    assert A2_FACE in timeline_of(web, austin) and timeline_of(web, austin).count("<tr") == 5
    assert timeline_of(web, f"/events/{A2_FACE}").count("<tr") == 5  # its page shows its new agency's
    # Moved back, it leaves Austin's timeline again.
    web.post(f"/events/{A2_FACE}/review", data={"csrf": token, "do": "correct", "reviewer": "ana",
                                                "set_agency": "Dallas Police Department"})
    assert A2_FACE not in timeline_of(web, austin)
    assert timeline_of(web, f"/events/{A2_FACE}").count(f'href="/events/{A2_FACE}"') == 1  # Dallas's, once


def test_bad_reviews_and_forged_forms_are_refused(settings: Settings) -> None:
    web = client(settings)
    page = web.get(f"/events/{A2_FACE}").text
    token = form_token(page)
    forged = web.post(f"/events/{A2_FACE}/review", data={"csrf": "guess", "do": "reject", "reviewer": "x"})
    assert forged.status_code == 403 and "token does not match" in forged.text
    cross = web.post(f"/events/{A2_FACE}/review", data={"csrf": token, "do": "reject", "reviewer": "x"},
                     headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    unknown = web.post(f"/events/{A2_FACE}/review", data={"csrf": token, "do": "correct", "reviewer": "x",
                                                          "set_agency": "Gotham PD"})
    assert unknown.status_code == 400 and "is not known" in unknown.text
    nobody = web.post(f"/events/{A2_FACE}/review", data={"csrf": token, "do": "confirm", "reviewer": " "})
    assert nobody.status_code == 400 and "reviewer" in nobody.text
    assert web.get("/events/" + "0" * 32).status_code == 404
    with db.reader(settings.lake) as con:
        assert con.execute("SELECT count(*) FROM corrections").fetchall() == [(0,)]


def test_loopback_checks_the_host_and_another_address_needs_a_token(settings: Settings) -> None:
    assert client(settings, "rebound.example:8780").get("/").status_code == 421
    assert client(settings, "localhost:8780").get("/").status_code == 200
    with pytest.raises(WebError, match="OVERSIGHT_WEB_TOKEN"):
        create_app(settings.model_copy(update={"web_host": "0.0.0.0"}))
    guarded = settings.model_copy(update={"web_host": "0.0.0.0", "web_token": SecretStr("s3cret-token")})
    web = TestClient(create_app(guarded), base_url="http://192.0.2.10:8780")
    assert web.get("/").status_code == 401
    assert web.get("/?token=wrong").status_code == 401
    assert web.get("/feed.atom", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    first = web.get("/?token=s3cret-token")
    assert first.status_code == 200
    assert web.get("/").status_code == 200  # the cookie set by the first visit


def test_the_atom_feed_is_valid_escaped_and_links_to_event_pages(settings: Settings) -> None:
    web = client(settings)
    feed = web.get("/feed.atom?technology=robots&state=TX")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.text)  # well-formed despite the hostile text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "Austin Police Department (TX) pilots robots"
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href", "").startswith("http://127.0.0.1:8780/events/")
    assert root.findtext(f"{ATOM}id") == "http://127.0.0.1:8780/feed.atom?technology=robots&state=TX"
    assert web.get(link.get("href", "").replace("http://127.0.0.1:8780", "")).status_code == 200
    everything = web.get("/feed.atom").text
    assert "<script>" not in everything and ET.fromstring(everything) is not None


def feed_entries(text: str) -> list[str]:
    return [e.findtext(f"{ATOM}id") or "" for e in ET.fromstring(text).findall(f"{ATOM}entry")]


def test_a_saved_filter_is_followed_at_a_stable_url_and_feed(settings: Settings) -> None:
    web = client(settings)
    token = form_token(web.get("/?technology=face_recognition").text)
    saved = web.post("/saved", data={"csrf": token, "name": "faces-tx", "q": "technology=face_recognition&state=TX"},
                     follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/saved/faces-tx"
    listed = web.get("/saved/faces-tx")  # the list of whatever the name holds
    assert listed.status_code == 200 and {u.split("?")[0] for u in links(listed.text)} == {f"/events/{A2_FACE}"}
    assert 'href="/saved/faces-tx.atom"' in web.get("/").text  # every list page offers the saved filters
    feed = web.get("/saved/faces-tx.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.text)
    assert root.findtext(f"{ATOM}id") == "http://127.0.0.1:8780/saved/faces-tx.atom"
    assert root.findtext(f"{ATOM}title") == "oversight: faces-tx (technology face_recognition, state TX)"
    assert feed_entries(feed.text) == feed_entries(web.get("/feed.atom?technology=face_recognition&state=TX").text)
    # Saving the name again changes what its URL shows; the URL stays.
    web.post("/saved", data={"csrf": token, "name": "faces-tx", "q": "technology=robots"})
    assert feed_entries(web.get("/saved/faces-tx.atom").text) == feed_entries(web.get("/feed.atom?technology=robots").text)
    with db.reader(settings.lake) as con:
        assert con.execute("SELECT name, query FROM saved_filters").fetchall() == [("faces-tx", "technology=robots")]
    deleted = web.post("/saved/faces-tx/delete", data={"csrf": token}, follow_redirects=False)
    assert deleted.status_code == 303 and "deleted+the+saved+filter+faces-tx" in deleted.headers["location"]
    assert web.get("/saved/faces-tx").status_code == 404 and web.get("/saved/faces-tx.atom").status_code == 404


def test_a_bad_name_filter_or_foreign_form_saves_nothing(settings: Settings) -> None:
    web = client(settings)
    token = form_token(web.get("/").text)
    bad_name = web.post("/saved", data={"csrf": token, "name": "../Faces TX", "q": "technology=robots"})
    assert bad_name.status_code == 400 and "filter name &#39;../Faces TX&#39;" in bad_name.text
    bad_filter = web.post("/saved", data={"csrf": token, "name": "weeks", "q": "week=2026-13"})
    assert bad_filter.status_code == 400 and "is not an ISO week" in bad_filter.text
    foreign = client(settings).post("/saved", data={"csrf": "forged", "name": "faces", "q": "technology=robots"})
    assert foreign.status_code == 403
    assert web.post("/saved/faces/delete", data={"csrf": "forged"}).status_code == 403
    with db.reader(settings.lake) as con:
        assert con.execute("SELECT count(*) FROM saved_filters").fetchall() == [(0,)]
