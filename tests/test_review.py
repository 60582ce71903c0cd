"""Corrections are data: confirm, reject and correct events, seen by every view, the digest and exports, kept
across re-landing, and exported as a gold set the evaluation scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from oversight.warehouse.digest import build_digest
from oversight.warehouse.loader import event_id
from oversight.warehouse.review import (
    ReviewError,
    correct_event,
    gold_documents,
    review_article,
    review_event,
)
from tests.research_fixtures import Ev, at, land, research_batch, research_warehouse, story

A2_FACE = event_id("a2", "agency:dallas-police-department", "face_recognition")
A4_FACE = event_id("a4", "agency:portland-police-bureau", "face_recognition")


@pytest.fixture
def lake(tmp_path: Path) -> LakeLocation:
    return research_warehouse(tmp_path / "w")


def rows(lake: LakeLocation, text: str, *params: object) -> list[tuple[object, ...]]:
    with db.reader(lake) as con:
        return con.execute(text, list(params)).fetchall()


def test_a_corrected_action_shows_in_the_views_and_the_digest(lake: LakeLocation) -> None:
    with db.writer(lake) as con:
        made = correct_event(con, A2_FACE, "action", "acquires", "ana", "the article says bought")
    assert (made.old_value, made.new_value, made.reviewer) == ("pilots", "acquires", "ana")
    assert rows(lake, "SELECT action, review_state, reviewed_by, needs_review FROM corrected_events "
                      "WHERE event_id = ?", A2_FACE) == [("acquires", "corrected", "ana", False)]
    assert rows(lake, "SELECT action FROM agency_timeline WHERE article_id = 'a2'") == [("acquires",)]
    assert rows(lake, "SELECT action FROM new_adoptions WHERE article_id = 'a2'") == [("acquires",)]
    with db.snapshot_reader(lake) as con:
        digest = build_digest(con, "2026-W10")
    assert [e.action for e in digest.events if e.agency == "Dallas Police Department"] == ["acquires"]
    stored = rows(lake, "SELECT field, old_value, new_value, reviewer, note FROM corrections")
    assert stored == [("action", "pilots", "acquires", "ana", "the article says bought")]


def test_a_rejected_event_leaves_the_views_but_not_the_review_list(lake: LakeLocation) -> None:
    before = rows(lake, "SELECT count(*) FROM story_events")[0][0]
    with db.writer(lake) as con:
        review_event(con, A4_FACE, "rejected", "ana")
    assert rows(lake, "SELECT count(*) FROM story_events")[0][0] == before - 1
    for view in ("story_events", "agency_timeline", "new_adoptions"):
        assert not rows(lake, f"SELECT * FROM {view} WHERE article_id = 'a4'"), view
    assert rows(lake, "SELECT review_state FROM corrected_events WHERE event_id = ?", A4_FACE) == [("rejected",)]
    with db.snapshot_reader(lake) as con:
        assert not [e for e in build_digest(con, "2026-W11").events if e.agency == "Portland Police Bureau"]
    with db.writer(lake) as con:  # the latest verdict wins: confirming brings it back
        review_event(con, A4_FACE, "confirmed", "ben")
    assert rows(lake, "SELECT review_state, reviewed_by FROM corrected_events WHERE event_id = ?",
                A4_FACE) == [("confirmed", "ben")]
    assert rows(lake, "SELECT count(*) FROM story_events")[0][0] == before


def test_corrections_survive_re_landing_and_re_tagging(lake: LakeLocation) -> None:
    with db.writer(lake) as con:
        correct_event(con, A2_FACE, "vendor", "", "ana")
        correct_event(con, A2_FACE, "agency", "Austin Police Department", "ana")
    batch, dups = research_batch()
    land(lake, batch, dups)  # the article re-landed: its events replaced by the tagger's again
    assert rows(lake, "SELECT count(*) FROM events WHERE event_id = ?", A2_FACE) == [(1,)]
    assert rows(lake, "SELECT agency, agency_state, vendor, review_state FROM corrected_events "
                      "WHERE event_id = ?", A2_FACE) == [("Austin Police Department", "TX", None, "corrected")]
    assert rows(lake, "SELECT agency FROM story_events WHERE article_id = 'a2'") == [("Austin Police Department",)]


def test_bad_corrections_are_refused_with_the_reason(lake: LakeLocation) -> None:
    with db.writer(lake) as con:
        with pytest.raises(ReviewError, match="no event 'nope'"):
            review_event(con, "nope", "confirmed", "ana")
        with pytest.raises(ReviewError, match="action 'buys' is not one of"):
            correct_event(con, A2_FACE, "action", "buys", "ana")
        with pytest.raises(ReviewError, match="agency 'Gotham PD' is not known"):
            correct_event(con, A2_FACE, "agency", "Gotham PD", "ana")
        with pytest.raises(ReviewError, match="cannot be corrected"):
            correct_event(con, A2_FACE, "evidence", "x", "ana")
        with pytest.raises(ReviewError, match="reviewer name"):
            review_event(con, A2_FACE, "confirmed", "  ")
    a1_drones = event_id("a1", "agency:austin-police-department", "drones")
    with db.writer(lake) as con, pytest.raises(ReviewError, match="already has event"):
        correct_event(con, a1_drones, "technology", "License plate readers", "ana")
    assert rows(lake, "SELECT count(*) FROM corrections") == [(0,)]


def test_export_gold_writes_reviewed_articles_in_the_contract_format(lake: LakeLocation, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with db.writer(lake) as con:
        correct_event(con, A2_FACE, "action", "acquires", "ana")
        review_event(con, A4_FACE, "rejected", "ana")
        review_article(con, "a6", "confirmed", "ana")  # a reviewed negative
        with pytest.raises(ReviewError, match="no article"):
            review_article(con, "zzz", "confirmed", "ana")
    with db.reader(lake) as con:
        docs = {d["id"]: d for d in gold_documents(con)}
    assert sorted(docs) == ["a2", "a4", "a6"]  # a1, a3, a5 still have unreviewed events
    assert docs["a2"]["gold"] == {
        "agencies": [{"name": "Dallas Police Department", "state": "TX"}], "vendors": [{"name": "Clearview AI"}],
        "technologies": ["face_recognition"],
        "events": [{"agency": "Dallas Police Department", "technology": "face_recognition",
                    "vendor": "Clearview AI", "action": "acquires"}]}
    assert docs["a4"]["gold"]["events"] == [] and docs["a6"]["gold"]["events"] == []
    assert docs["a2"]["published"] == "2026-03-04" and docs["a2"]["text"].startswith("The Dallas")

    from oversight.flows.cli import app

    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    out = tmp_path / "gold.jsonl"
    result = CliRunner().invoke(app, ["review", "export-gold", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in lines] == ["a2", "a4", "a6"]

    # The evaluation scores predictions against it: the gold itself scores 1.0, a wrong action does not.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.eval import Aliases, load_jsonl, score

    gold = load_jsonl(out)
    pred = {i: d["gold"] for i, d in gold.items()}
    assert score(gold, pred, Aliases())["event_action_accuracy"] == 1.0
    pred["a2"] = {**pred["a2"], "events": [{**pred["a2"]["events"][0], "action": "pilots"}]}
    assert score(gold, pred, Aliases())["event_action_accuracy"] == 0.0


def test_review_commands_record_who(lake: LakeLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oversight.flows.cli import app

    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    monkeypatch.setenv("OVERSIGHT_REVIEWER", "cli-reviewer")
    runner = CliRunner()
    done = runner.invoke(app, ["review", "correct", A2_FACE, "--field", "action", "--value", "uses"])
    assert done.exit_code == 0 and "pilots -> uses by cli-reviewer" in done.output, done.output
    bad = runner.invoke(app, ["review", "reject", "0" * 32])
    assert bad.exit_code == 1 and "no event" in bad.output
    assert rows(lake, "SELECT reviewer, new_value FROM corrections") == [("cli-reviewer", "uses")]


def test_an_article_verdict_applies_to_its_events_until_an_event_verdict_follows(tmp_path: Path) -> None:
    lake = research_warehouse(tmp_path / "w")
    land(lake, [story("b1", at("2026-03-05"), [Ev("Austin Police Department", "TX", "robots"),
                                               Ev("Dallas Police Department", "TX", "robots")])])
    with db.writer(lake) as con:
        review_article(con, "b1", "rejected", "ana")
    assert rows(lake, "SELECT count(*) FROM story_events WHERE article_id = 'b1'") == [(0,)]
    with db.writer(lake) as con:
        review_event(con, event_id("b1", "agency:dallas-police-department", "robots"), "confirmed", "ana")
    assert rows(lake, "SELECT agency FROM story_events WHERE article_id = 'b1'") == [("Dallas Police Department",)]


def test_the_digest_links_each_event_to_its_review_page(lake: LakeLocation, tmp_path: Path) -> None:
    from oversight.warehouse.digest import write_digest

    with db.snapshot_reader(lake) as con:
        md, page, csv_file = write_digest(con, "2026-W11", tmp_path / "d", "http://127.0.0.1:8780")
    a4_page = f"http://127.0.0.1:8780/events/{A4_FACE}"
    assert f"[review]({a4_page})" in md.read_text(encoding="utf-8")  # the Portland ban
    assert f'<a href="{a4_page}">review</a>' in page.read_text(encoding="utf-8")
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",url,page") and any(line.endswith(a4_page) for line in lines[1:])
    with db.snapshot_reader(lake) as con:  # without a web address, no page column
        plain = write_digest(con, "2026-W11", tmp_path / "p")[2].read_text(encoding="utf-8")
    assert plain.splitlines()[0].endswith(",url") and "/events/" not in plain
