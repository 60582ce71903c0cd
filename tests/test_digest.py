"""The weekly digest: sections, empty weeks, the events CSV, and identical files on a re-run."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from schemas.settings import LakeLocation
from tests.research_fixtures import Ev, at, land, research_warehouse, story
from warehouse import db
from warehouse.digest import last_complete_week, parse_week, write_digest

SECTIONS = ["New adoptions", "Unconfirmed adoptions (need review)", "Bans and cancellations", "Rising technologies", "Most active vendors",
            "Most covered agencies", "The week's volume"]


@pytest.fixture
def warehouse(tmp_path: Path) -> LakeLocation:
    return research_warehouse(tmp_path / "w")


def _write(warehouse: LakeLocation, week: str | None, out: Path) -> list[Path]:
    with db.reader(warehouse) as con:
        return write_digest(con, week, out)


def test_digest_files_and_sections(warehouse: LakeLocation, tmp_path: Path) -> None:
    files = _write(warehouse, "2026-W11", tmp_path / "out")
    assert [f.name for f in files] == ["digest-2026-W11.md", "digest-2026-W11.html", "events-2026-W11.csv"]
    md = files[0].read_text()
    for section in SECTIONS:
        assert f"## {section}" in md
    assert "| Dallas Police Department | TX | license_plate_readers | Flock Safety | acquires | 2026-03-12 |" in md
    assert "| Portland Police Bureau | OR | face_recognition |  | bans | 2026-03-11 |" in md
    assert "4 articles from 3 outlets" in md
    html = files[1].read_text()
    assert html.count("<svg") == 3 and "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    for section in SECTIONS:
        assert section.replace("'", "&#x27;") in html


def test_events_csv_has_every_event_of_the_week(warehouse: LakeLocation, tmp_path: Path) -> None:
    files = _write(warehouse, "2026-W10", tmp_path / "out")
    with files[2].open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["technology"] for r in rows] == ["drones", "license_plate_readers", "face_recognition"]
    assert set(rows[0]) == {"agency", "state", "technology", "vendor", "action", "date", "evidence", "url"}
    assert rows[0]["url"] == "https://example.com/news/a1" and rows[0]["evidence"].startswith("The Austin")


def test_rising_technologies_compare_with_the_twelve_weeks_before(warehouse: LakeLocation, tmp_path: Path) -> None:
    md = _write(warehouse, "2026-W10", tmp_path / "out")[0].read_text()
    rising = md.split("## Rising technologies")[1].split("##")[0]
    assert "| drones | 1 | 0.00 |" in rising


def test_an_empty_week_says_so(warehouse: LakeLocation, tmp_path: Path) -> None:
    files = _write(warehouse, "2026-W12", tmp_path / "out")
    assert "Nothing was collected this week" in files[0].read_text()
    assert "Nothing was collected this week" in files[1].read_text()
    assert files[2].read_text() == "agency,state,technology,vendor,action,date,evidence,url\n"


def test_rerunning_a_week_writes_identical_files(warehouse: LakeLocation, tmp_path: Path) -> None:
    first = [p.read_bytes() for p in _write(warehouse, "2026-W11", tmp_path / "one")]
    second = [p.read_bytes() for p in _write(warehouse, "2026-W11", tmp_path / "two")]
    assert first == second


def test_week_parsing() -> None:
    assert parse_week("2026-W01") == date(2025, 12, 29)
    assert last_complete_week(date(2026, 3, 18)) == "2026-W11"
    assert last_complete_week(date(2026, 1, 1)) == "2025-W52"
    with pytest.raises(ValueError, match="ISO week"):
        parse_week("2026-13")


def test_unconfirmed_adoptions_are_listed_apart(warehouse: Path, tmp_path: Path) -> None:
    doubtful = Ev("Houston Police Department", "TX", "drones", "uses", confidence=0.55)
    land(warehouse, [story("a7", at("2026-03-13"), [doubtful], title="Houston police and drones")])
    with db.reader(warehouse) as con:
        flags = con.execute("SELECT article_id, needs_review, evidence_end - evidence_start FROM events "
                            "WHERE article_id IN ('a5', 'a7') ORDER BY article_id").fetchall()
    assert flags == [("a5", False, len(Ev("Dallas Police Department", "TX", "license_plate_readers", "acquires",
                                          "Flock Safety").sentence())),
                     ("a7", True, len(doubtful.sentence()))]
    md, html, _ = (p.read_text() for p in _write(warehouse, "2026-W11", tmp_path / "out"))
    confident = md.split("## New adoptions")[1].split("## ")[0]
    unconfirmed = md.split("## Unconfirmed adoptions (need review)")[1].split("## ")[0]
    assert "| Dallas Police Department | TX | license_plate_readers |" in confident
    assert "Houston" not in confident and "Dallas" not in unconfirmed
    assert "| Houston Police Department | TX | drones |  | uses | 2026-03-13 |" in unconfirmed
    html_unconfirmed = html.split("Unconfirmed adoptions (need review)")[1]
    assert "Houston Police Department" in html_unconfirmed and "Houston" not in html.split("Unconfirmed")[0]
