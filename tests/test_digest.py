"""The weekly digest: a summary against the 12 weeks before, every row with its article, pending decisions,
vendor activity split by kind, a stated rising rule, a chart of every technology it names, plurals, the same
rows in Markdown, HTML and CSV, empty weeks, and identical files on a re-run."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from oversight.warehouse.digest import (
    RISING_MIN_STORIES,
    last_complete_week,
    parse_week,
    plural,
    write_digest,
)
from oversight.warehouse.digest_charts import PALETTE
from tests.research_fixtures import Ev, at, land, story

SECTIONS = ["New adoptions", "Unconfirmed adoptions (need review)", "Pending decisions",
            "Bans, ends and rejections", "Rising technologies", "Vendor activity", "Most covered agencies",
            "The week's volume"]


def _write(warehouse: LakeLocation, week: str | None, out: Path) -> list[Path]:
    with db.reader(warehouse) as con:
        return write_digest(con, week, out)


def _section(md: str, title: str) -> str:
    return md.split(f"## {title}\n")[1].split("\n## ")[0]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_digest_files_sections_and_rows_with_their_articles(warehouse: LakeLocation, tmp_path: Path) -> None:
    files = _write(warehouse, "2026-W11", tmp_path / "out")
    assert [f.name for f in files] == ["digest-2026-W11.md", "digest-2026-W11.html", "events-2026-W11.csv"]
    md = files[0].read_text()
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == SECTIONS
    assert ("| Dallas Police Department | TX | license_plate_readers | Flock Safety | acquires | The Dallas Police "
            "Department acquires license plate readers from Flock Safety. | [Dallas buys plate readers]"
            "(https://example.com/news/a5), example.com, 2026-03-12 |") in _section(md, "New adoptions")
    assert ("| Portland Police Bureau | OR | face_recognition |  | bans | The Portland Police Bureau bans face "
            "recognition. | [Portland bans face recognition](https://oregonian.example/news/a4), oregonian.example, "
            "2026-03-11 |") in _section(md, "Bans, ends and rejections")
    assert "4 articles from 3 outlets (0 syndicated copies, 4 distinct stories); 3 events in 3 stories." in md
    html = files[1].read_text()
    assert html.count("<svg") == 3 and "<script" not in html
    assert '<a href="https://example.com/news/a5">Dallas buys plate readers</a><br><span class="source">' \
           "example.com, 2026-03-12</span>" in html
    for section in SECTIONS:
        assert "<h2>" + section.replace("'", "&#x27;") + "</h2>" in html


def test_the_summary_compares_the_week_with_the_twelve_before(warehouse: LakeLocation, tmp_path: Path) -> None:
    md = _write(warehouse, "2026-W11", tmp_path / "out")[0].read_text()
    summary = md.split("\n\n")[1]
    # W11: 4 stories, 3 events of 3 agencies in 2 states; the 12 weeks before hold W10 only (3 stories, 3 events,
    # 2 agencies, 1 state, 2 new adoptions, 1 pilot), so each mean is that over 12.
    assert summary.startswith("This week oversight read 4 stories from 3 outlets, with 3 events involving 3 agencies "
                              "in 2 states: 1 new adoption, 0 pending decisions (proposals and pilots) and 1 ban, "
                              "end or rejection.")
    assert ("Weekly means over the 12 weeks before: 0.2 stories; 0.2 events; 0.2 agencies; 0.1 states; 0.2 new "
            "adoptions; 0.1 pending decisions; 0.0 bans, ends and rejections.") in summary
    html = _write(warehouse, "2026-W11", tmp_path / "again")[1].read_text()
    assert re.search(r'<p class="summary">This week oversight read 4 stories', html)


def test_pending_decisions_and_vendor_activity_by_kind(warehouse: LakeLocation, tmp_path: Path) -> None:
    land(warehouse, [story("p1", at("2026-03-04"), [Ev("Dane County Sheriff's Office", "WI", "data_analytics",
                                                          "proposes", "Fog Data Science")]),
                     story("p2", at("2026-03-05"), [Ev("Dane County Board", "WI", "data_analytics", "rejects",
                                                          "Fog Data Science")])])
    md, _, events = _write(warehouse, "2026-W10", tmp_path / "out")
    text = md.read_text()
    pending = _section(text, "Pending decisions")
    assert "| Dane County Sheriff's Office | WI | data_analytics | Fog Data Science | proposes |" in pending
    assert "| Dallas Police Department | TX | face_recognition | Clearview AI | pilots |" in pending
    assert "Dane County Board" in _section(text, "Bans, ends and rejections")
    vendors = _section(text, "Vendor activity")
    assert "| Fog Data Science | 0 | 1 | 1 | 2 | data_analytics |" in vendors  # a rejection is not a sale
    assert "| Skydio | 1 | 0 | 0 | 1 | drones |" in vendors
    sections = {(r["agency"], r["technology"]): r["section"] for r in _csv(events)}
    assert sections[("Dane County Sheriff's Office", "data_analytics")] == "pending"
    assert sections[("Dane County Board", "data_analytics")] == "ended"
    assert sections[("Austin Police Department", "drones")] == "new_adoption"


def test_markdown_html_and_csv_list_the_same_events(warehouse: LakeLocation, tmp_path: Path) -> None:
    md, html, events = _write(warehouse, "2026-W11", tmp_path / "out")
    rows = _csv(events)
    assert set(rows[0]) == {"section", "needs_review", "agency", "state", "technology", "vendor", "action", "date",
                            "evidence", "title", "outlet", "url"}
    listed = [r for r in rows if r["section"] != "continuing"]
    table_rows = [line for line in md.read_text().splitlines() if line.startswith("| ") and "](https://" in line]
    assert len(table_rows) == len(listed) == 2
    page = html.read_text()
    for r in listed:
        assert any(line.startswith(f"| {r['agency']} | {r['state']} | {r['technology']} |") and r["title"] in line
                   and r["url"] in line and r["outlet"] in line and r["date"] in line for line in table_rows)
        assert r["evidence"] in page and r["title"] in page
    # the one event no section lists (Austin's drones, reported before) is in the CSV as continuing
    assert [(r["agency"], r["section"]) for r in rows if r["section"] == "continuing"] == [
        ("Austin Police Department", "continuing")]


def test_rising_needs_a_minimum_count_and_states_its_rule(warehouse: LakeLocation, tmp_path: Path) -> None:
    md = _write(warehouse, "2026-W10", tmp_path / "w10")[0].read_text()
    rising = _section(md, "Rising technologies")
    assert "at least 3 stories this week and at least 2 times" in rising  # the rule, stated
    assert "No technology rose by this rule." in rising  # 1 story against a mean of 0 is not a trend
    robots = [Ev(f"Town {n} Police Department", "TX", "robots", "uses") for n in range(RISING_MIN_STORIES)]
    land(warehouse, [story(f"r{n}", at("2026-03-10"), [e]) for n, e in enumerate(robots)])
    md, html = (p.read_text() for p in _write(warehouse, "2026-W11", tmp_path / "w11")[:2])
    assert "| robots | 3 | 0.00 |" in _section(md, "Rising technologies")
    assert "Rising: robots (3 stories)." in md.split("\n\n")[1]
    chart = html.split("<h2>Rising technologies</h2>")[1].split("</svg>")[0]
    assert 'data-technology="robots"' in chart and ">robots (3)</text>" in chart


def test_the_chart_draws_every_technology_the_digest_names_in_safe_colours(
    warehouse: LakeLocation, tmp_path: Path
) -> None:
    # nine technologies in the 12 weeks: more than the chart's eight, and the rising one has the fewest stories
    # before this week, so only naming it puts it in the chart
    quiet = ["biometrics", "body_cameras", "camera_networks", "cell_site_simulators", "data_analytics",
             "gunshot_detection"]
    land(warehouse, [story(f"q{n}", at("2026-02-16"), [Ev("Austin Police Department", "TX", t), Ev(
        "Austin Police Department", "TX", t)]) for n, t in enumerate(quiet)])
    land(warehouse, [story(f"v{n}", at("2026-03-11"), [Ev(f"Town {n} Police Department", "TX", "video_analytics")])
                     for n in range(4)])
    html = _write(warehouse, "2026-W11", tmp_path / "out")[1].read_text()
    rising = html.split("<h2>Rising technologies</h2>")[1].split("<h2>")[0]
    named = re.findall(r"<tr><td>([a-z_]+)</td><td>\d+</td>", rising)
    chart = rising.split("<svg")[1].split("</svg>")[0]
    drawn = re.findall(r'data-technology="([a-z_]+)"', chart)
    assert named == ["video_analytics"] and set(named) <= set(drawn) and len(drawn) == 8
    labels = re.findall(r'<text class="label"[^>]*fill="(#[0-9A-Fa-f]{6})">([a-z_]+) \(\d+\)</text>', chart)
    assert [t for _, t in labels] == drawn  # a direct label for every line, no legend
    colours = re.findall(r'<polyline[^>]*stroke="(#[0-9A-Fa-f]{6})"', chart)
    assert set(colours) <= set(PALETTE) and len(set(colours)) == len(colours)
    assert [c for c, _ in labels] == colours


def test_plurals() -> None:
    assert [plural(1, "outlet"), plural(2, "outlet"), plural(0, "story", "stories"), plural(1, "story", "stories")] \
        == ["1 outlet", "2 outlets", "0 stories", "1 story"]


def test_one_of_everything_reads_in_the_singular(tmp_path: Path) -> None:
    from tests.research_fixtures import lake_in

    lake = lake_in(tmp_path / "one")
    land(lake, [story("o1", at("2026-03-10"), [Ev("Austin Police Department", "TX", "drones", vendor="Skydio")])])
    md = _write(lake, "2026-W11", tmp_path / "out")[0].read_text()
    assert ("This week oversight read 1 story from 1 outlet, with 1 event involving 1 agency in 1 state: 1 new "
            "adoption, 0 pending decisions") in md
    assert "1 article from 1 outlet (0 syndicated copies, 1 distinct story); 1 event in 1 story." in md
    assert not re.search(r"\b1 (outlets|stories|events|agencies|states|articles)\b", md)


def test_an_empty_week_says_so(warehouse: LakeLocation, tmp_path: Path) -> None:
    files = _write(warehouse, "2026-W12", tmp_path / "out")
    assert "Nothing was collected this week" in files[0].read_text()
    assert "Nothing was collected this week" in files[1].read_text()
    assert files[2].read_text() == "section,needs_review,agency,state,technology,vendor,action,date,evidence,title," \
                                   "outlet,url\n"


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


def test_unconfirmed_adoptions_are_listed_apart(warehouse: LakeLocation, tmp_path: Path) -> None:
    doubtful = Ev("Houston Police Department", "TX", "drones", "uses", confidence=0.55)
    land(warehouse, [story("a7", at("2026-03-13"), [doubtful], title="Houston police and drones")])
    with db.reader(warehouse) as con:
        flags = con.execute("SELECT article_id, needs_review, evidence_end - evidence_start FROM events "
                            "WHERE article_id IN ('a5', 'a7') ORDER BY article_id").fetchall()
    assert flags == [("a5", False, len(Ev("Dallas Police Department", "TX", "license_plate_readers", "acquires",
                                          "Flock Safety").sentence())),
                     ("a7", True, len(doubtful.sentence()))]
    md, html, events = (p.read_text() for p in _write(warehouse, "2026-W11", tmp_path / "out"))
    confident = _section(md, "New adoptions")
    unconfirmed = _section(md, "Unconfirmed adoptions (need review)")
    assert "| Dallas Police Department | TX | license_plate_readers |" in confident
    assert "Houston" not in confident and "Dallas" not in unconfirmed
    assert "| Houston Police Department | TX | drones |  | uses |" in unconfirmed
    assert "2 new adoptions (1 unconfirmed)" in md
    html_unconfirmed = html.split("Unconfirmed adoptions (need review)")[1]
    assert "Houston Police Department" in html_unconfirmed and "Houston" not in html.split("Unconfirmed")[0]
    assert "new_adoption,true,Houston Police Department" in events
