"""Commands other tools build on: `oversight tag --in/--out` (the evaluation contract), `feeds list/add/export`,
and the run log that `status` reads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.flows.runlog import last_runs, record_run, runlog_path
from oversight.schemas.settings import load_settings
from tests.httpserver import HTTPTestServer

ROOT = Path(__file__).resolve().parents[1]
ADOPTION = ("The Washington County Sheriff's Office in Oregon pays Amazon to use Rekognition, its face "
            "recognition tool, to compare photos of suspects against a database of booking photos.")


def test_tag_writes_one_contract_line_per_document_and_names_the_bad_lines(tmp_path: Path) -> None:
    src, dest = tmp_path / "docs.jsonl", tmp_path / "out" / "tags.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "d1", "title": "Sheriff uses Rekognition", "text": ADOPTION, "published": "2026-10-01"}),
        "{not json",
        json.dumps({"title": "no id"}),
        "",
        json.dumps({"id": 7, "title": "Bake sale", "text": "The library's bake sale raised $400 on Saturday."}),
    ]) + "\n")
    result = subprocess.run([sys.executable, "-m", "oversight.flows", "tag", "--in", str(src), "--out", str(dest)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1  # bad lines make the exit status say so; the good ones are still written
    assert f"{src} line 2 " in result.stderr and f"{src} line 3 " in result.stderr
    assert result.stdout.startswith("oversight tag: tag bad_line=2 off_topic=1 ok=1 -> ")
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["d1", "7"]
    assert all(set(line) == {"id", "agencies", "vendors", "technologies", "events"} for line in lines)
    first, second = lines
    assert {"name": "Washington County Sheriff's Office", "state": "OR"} in first["agencies"]
    assert "face_recognition" in first["technologies"]
    assert {"agency": "Washington County Sheriff's Office", "technology": "face_recognition", "vendor": "Amazon",
            "action": "uses"} in first["events"]
    assert second["agencies"] == second["events"] == second["technologies"] == []


def test_tag_refuses_a_missing_input_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = CliRunner().invoke(app, ["tag", "--in", str(missing), "--out", str(tmp_path / "t.jsonl")])
    assert result.exit_code != 0 and str(missing) in result.output
    assert not (tmp_path / "t.jsonl").exists()


FEED_PAGE = ('<html><head><link rel="alternate" type="application/rss+xml" href="/news.rss" title="News">'
             '<link rel="alternate" type="application/atom+xml" href="https://elsewhere.example/a.xml">'
             '</head><body>Council news</body></html>')


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OVERSIGHT_PER_HOST_INTERVAL", "0")
    monkeypatch.setenv("OVERSIGHT_RESPECT_ROBOTS", "false")
    monkeypatch.setenv("OVERSIGHT_ALLOW_PRIVATE_NETWORKS", "true")
    yield tmp_path / "home"


def test_feeds_add_list_and_export_round_trip(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    html = {"Content-Type": "text/html"}
    with HTTPTestServer({"/council": (200, html, FEED_PAGE), "/plain": (200, html, "<p>no feeds</p>")}) as server:
        base = server.base_url
        added = runner.invoke(app, ["feeds", "add", f"{base}/council", "--discover"])
        assert added.exit_code == 0, added.output
        assert f"{base}/news.rss" in added.output and "https://elsewhere.example/a.xml" in added.output
        none = runner.invoke(app, ["feeds", "add", f"{base}/plain", "--discover"])
        assert none.exit_code != 0 and f"{base}/plain" in none.output and "links to no" in none.output
    direct = runner.invoke(app, ["feeds", "add", "https://news.example.org/feed.xml"])
    assert direct.exit_code == 0, direct.output
    again = runner.invoke(app, ["feeds", "add", "https://news.example.org/feed.xml"])  # registering twice is no-op
    assert again.exit_code == 0, again.output

    listed = runner.invoke(app, ["feeds", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "3 feed(s)" in listed.output and "never polled" in listed.output

    out = tmp_path / "feeds.opml"
    exported = runner.invoke(app, ["feeds", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    urls = sorted(o.get("xmlUrl") or "" for o in ElementTree.parse(out).iter("outline") if o.get("xmlUrl"))
    assert urls == sorted([f"{base}/news.rss", "https://elsewhere.example/a.xml",
                           "https://news.example.org/feed.xml"])
    reimported = runner.invoke(app, ["feeds", "import", str(out)])  # what export writes, import reads
    assert reimported.exit_code == 0, reimported.output
    assert "3 feed(s)" in runner.invoke(app, ["feeds", "list"], env={"COLUMNS": "200"}).output


def test_the_run_log_keeps_the_last_runs_and_skips_damaged_lines(home: Path) -> None:
    settings = load_settings()
    assert last_runs(settings) == []
    started = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    for n in range(7):
        record_run(settings, "poll", started, {"feeds ok": n}, f"oversight poll: feeds ok={n}")
    with runlog_path(settings).open("a") as fh:
        fh.write('{"command": "process", "outcomes": {"tag ok"\n')  # a run killed while writing its line
    runs = last_runs(settings, 5)
    assert [r["outcomes"] for r in runs] == [{"feeds ok": n} for n in (3, 4, 5, 6)]  # newest last, damage skipped
    assert {r["command"] for r in runs} == {"poll"} and runs[-1]["summary"] == "oversight poll: feeds ok=6"
    assert datetime.fromisoformat(str(runs[-1]["started_at"])) == started
