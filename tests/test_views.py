"""The research views on a real warehouse: weekly trends, first adoptions, timelines, vendor share, coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from oversight.warehouse import db
from oversight.warehouse.views import RESEARCH_VIEWS
from tests.research_fixtures import Ev, at, copy_of, lake_in, land, research_warehouse, story

W10, W11 = date(2026, 3, 2), date(2026, 3, 9)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = research_warehouse(tmp_path / "w")
    with db.reader(path) as c:
        yield c


def q(con: duckdb.DuckDBPyConnection, text: str, *params: object) -> list[tuple[object, ...]]:
    return con.execute(text, list(params)).fetchall()


def test_every_view_exists_answers_and_is_documented(con: duckdb.DuckDBPyConnection) -> None:
    for view in RESEARCH_VIEWS:
        q(con, f"SELECT * FROM {view}")
        comment = q(con, "SELECT comment FROM duckdb_views() WHERE view_name = ?", view)
        assert comment and comment[0][0], view
        # A view's column comments live in the dictionary table (the lake keeps none on view columns).
        undocumented = [c for t, c, _, comment in q(con, db.sql("catalog_columns")) if t == view and not comment]
        assert not undocumented, (view, undocumented)


def test_weekly_technology_counts_a_syndicated_story_once(con: duckdb.DuckDBPyConnection) -> None:
    rows = q(con, "SELECT iso_week, technology, articles, events, agencies FROM weekly_technology_mentions "
                  "ORDER BY week_start, technology")
    assert rows == [
        ("2026-W10", "drones", 1, 1, 1), ("2026-W10", "face_recognition", 1, 1, 1),
        ("2026-W10", "license_plate_readers", 1, 1, 1),
        ("2026-W11", "drones", 1, 1, 1), ("2026-W11", "face_recognition", 1, 1, 1),
        ("2026-W11", "license_plate_readers", 1, 1, 1),
    ]


def test_weekly_vendor_and_state(con: duckdb.DuckDBPyConnection) -> None:
    assert q(con, "SELECT vendor, articles, events FROM weekly_vendor_mentions WHERE week_start = ? "
                  "ORDER BY vendor", W10) == [("Clearview AI", 1, 1), ("Flock Safety", 1, 1), ("Skydio", 1, 1)]
    assert q(con, "SELECT iso_week, state, articles, events, agencies FROM weekly_state_mentions "
                  "ORDER BY week_start, state") == [
        ("2026-W10", "TX", 2, 3, 2), ("2026-W11", "OR", 1, 1, 1), ("2026-W11", "TX", 2, 2, 2)]


def test_new_adoptions_are_first_sightings_with_the_first_article(con: duckdb.DuckDBPyConnection) -> None:
    rows = q(con, "SELECT agency, technology, iso_week, action, article_id, url FROM new_adoptions "
                  "ORDER BY first_seen, agency, technology")
    assert rows == [
        ("Austin Police Department", "drones", "2026-W10", "uses", "a1", "https://example.com/news/a1"),
        ("Austin Police Department", "license_plate_readers", "2026-W10", "acquires", "a1",
         "https://example.com/news/a1"),
        ("Dallas Police Department", "face_recognition", "2026-W10", "pilots", "a2", "https://example.com/news/a2"),
        ("Dallas Police Department", "license_plate_readers", "2026-W11", "acquires", "a5",
         "https://example.com/news/a5"),
    ]  # the Austin drone story of W11 is not new, the Portland ban is not an adoption


def test_new_adoptions_carry_the_latest_adoption_of_the_pair(tmp_path: Path) -> None:
    lake = lake_in(tmp_path)
    land(lake, [
        story("p1", at("2026-03-02"), [Ev("Orvale Police Department", "KS", "drones", "pilots")]),
        story("p2", at("2026-04-06"), [Ev("Orvale Police Department", "KS", "drones", "acquires", "Skydio"),
                                       Ev("Orvale Police Department", "KS", "drones", "uses")]),
        story("p3", at("2026-05-04"), [Ev("Orvale Police Department", "KS", "drones", "ends")]),
        story("q1", at("2026-03-03"), [Ev("Brenton Sheriff's Office", "KS", "drones", "uses")]),
    ])
    with db.reader(lake) as c:
        rows = q(c, "SELECT agency, action, article_id, latest_action, latest_article_id, latest_seen, "
                    "adoption_stories FROM new_adoptions ORDER BY agency")
    assert rows == [
        ("Brenton Sheriff's Office", "uses", "q1", "uses", "q1", at("2026-03-03"), 1),
        # first seen as a pilot, bought later (the same story says it uses them: acquires is the stronger);
        # the end is no adoption (agency_timeline has it)
        ("Orvale Police Department", "pilots", "p1", "acquires", "p2", at("2026-04-06"), 2),
    ]


def test_agency_timeline_and_vendor_share(con: duckdb.DuckDBPyConnection) -> None:
    timeline = q(con, "SELECT iso_week, technology, action, title FROM agency_timeline "
                      "WHERE agency = 'Austin Police Department' ORDER BY published, technology")
    assert timeline == [("2026-W10", "drones", "uses", "Austin police expand drone program"),
                        ("2026-W10", "license_plate_readers", "acquires", "Austin police expand drone program"),
                        ("2026-W11", "drones", "uses", "Austin drones fly again")]
    assert q(con, "SELECT technology, vendor, events, agencies, share FROM vendor_share ORDER BY technology") == [
        ("drones", "Skydio", 2, 1, 1.0), ("face_recognition", "Clearview AI", 1, 1, 1.0),
        ("license_plate_readers", "Flock Safety", 2, 2, 1.0)]


def test_coverage_counts_articles_outlets_and_stories(con: duckdb.DuckDBPyConnection) -> None:
    assert q(con, "SELECT iso_week, articles, outlets, syndicated_copies, stories, stories_with_events, events "
                  "FROM coverage ORDER BY week_start") == [
        ("2026-W10", 3, 2, 1, 2, 2, 3), ("2026-W11", 4, 3, 0, 4, 3, 3)]


def test_an_event_only_a_copy_reports_still_counts_once(tmp_path: Path) -> None:
    original = story("o1", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones")])
    richer = story("c1", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones"),
                                            Ev("Austin Police Department", "TX", "robots")])
    lake = lake_in(tmp_path / "w")
    land(lake, [original, copy_of(richer, "c1", "wire.example"),
                                 copy_of(richer, "c2", "wire2.example")], {"c1": "o1", "c2": "o1"})
    with db.reader(lake) as con:
        assert q(con, "SELECT technology, article_id FROM story_events ORDER BY technology") == [
            ("drones", "o1"), ("robots", "c1")]
        assert q(con, "SELECT technology, articles, events FROM weekly_technology_mentions ORDER BY 1") == [
            ("drones", 1, 1), ("robots", 1, 1)]
        assert q(con, "SELECT copies, outlets FROM stories") == [(3, 3)]


def test_weeks_do_not_depend_on_the_session_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    before = q(con, "SELECT * FROM coverage ORDER BY week_start")
    con.execute("SET TimeZone = 'Pacific/Kiritimati'")
    assert q(con, "SELECT * FROM coverage ORDER BY week_start") == before
