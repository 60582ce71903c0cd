"""`oversight query`, `schema` and `search` on a real warehouse: formats, read-only, clear errors, a locked file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.research_fixtures import research_warehouse

runner = CliRunner()
SQL = "SELECT iso_week, technology, articles FROM weekly_technology_mentions ORDER BY week_start, technology"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = research_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(path))
    return path


def test_query_prints_a_table(warehouse: Path) -> None:
    result = runner.invoke(app, ["query", SQL])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["iso_week", "technology", "articles"]
    assert "2026-W10  drones" in result.output and "(6 row(s))" in result.output


def test_query_formats(warehouse: Path, tmp_path: Path) -> None:
    as_csv = runner.invoke(app, ["query", "--format", "csv", SQL])
    assert as_csv.output.splitlines()[:2] == ['"iso_week","technology","articles"', '"2026-W10","drones",1']
    as_json = json.loads(runner.invoke(app, ["query", "--format", "json", SQL]).output)
    assert as_json[0] == {"iso_week": "2026-W10", "technology": "drones", "articles": 1}
    out = tmp_path / "q.parquet"
    result = runner.invoke(app, ["query", "--format", "parquet", "--out", str(out), SQL])
    assert result.exit_code == 0 and "wrote 6 row(s)" in result.output
    assert pq.read_table(out).num_rows == 6
    assert runner.invoke(app, ["query", "--format", "parquet", SQL]).exit_code == 1


def test_bad_sql_and_writes_get_clear_errors(warehouse: Path) -> None:
    bad = runner.invoke(app, ["query", "SELEC 1"])
    assert bad.exit_code == 1 and "bad SQL" in bad.output and "SELEC" in bad.output
    write = runner.invoke(app, ["query", "DELETE FROM events"])
    assert write.exit_code == 1 and "read-only" in write.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 8  # copies included


def test_a_locked_warehouse_is_named_after_waiting(warehouse: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', "
         "flush=True); time.sleep(60)", str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["query", "--wait", "1", "SELECT 1"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert "locked by another process" in result.output and "--wait" in result.output


def test_missing_warehouse_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = runner.invoke(app, ["query", "SELECT 1"])
    assert result.exit_code == 2 and "none.duckdb" in result.output


def test_search_command_shows_date_outlet_title_url_and_tags(warehouse: Path) -> None:
    result = runner.invoke(app, ["search", "face", "recognition", "--since", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert "2026-03-11  oregonian.example  Portland bans face recognition" in result.output
    assert "https://oregonian.example/news/a4" in result.output and "face_recognition" in result.output
    assert runner.invoke(app, ["search", "x", "--since", "March"]).exit_code == 1


def test_schema_prints_the_dictionary_and_the_committed_copy_is_current(warehouse: Path, tmp_path: Path) -> None:
    text = runner.invoke(app, ["schema"]).output
    assert "new_adoptions (view): First adoption" in text
    markdown = runner.invoke(app, ["schema", "--markdown"]).output
    committed = Path(__file__).resolve().parents[1] / "docs" / "DATA_DICTIONARY.md"
    assert markdown == committed.read_text(encoding="utf-8"), "regenerate: oversight schema --markdown --out docs/DATA_DICTIONARY.md"
