"""`oversight query`, `schema` and `search` on a real lake: formats, clear errors, and a query that can only read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db

runner = CliRunner()
SQL = "SELECT iso_week, technology, articles FROM weekly_technology_mentions ORDER BY week_start, technology"


def test_query_prints_a_table(warehouse: LakeLocation) -> None:
    result = runner.invoke(app, ["query", SQL])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["iso_week", "technology", "articles"]
    assert "2026-W10  drones" in result.output and "(6 row(s))" in result.output


def test_query_formats(warehouse: LakeLocation, tmp_path: Path) -> None:
    as_csv = runner.invoke(app, ["query", "--format", "csv", SQL])
    assert as_csv.output.splitlines()[:2] == ['"iso_week","technology","articles"', '"2026-W10","drones",1']
    as_json = json.loads(runner.invoke(app, ["query", "--format", "json", SQL]).output)
    assert as_json[0] == {"iso_week": "2026-W10", "technology": "drones", "articles": 1}
    out = tmp_path / "q.parquet"
    result = runner.invoke(app, ["query", "--format", "parquet", "--out", str(out), SQL])
    assert result.exit_code == 0 and "wrote 6 row(s)" in result.output
    assert pq.read_table(out).num_rows == 6
    assert runner.invoke(app, ["query", "--format", "parquet", SQL]).exit_code == 1


def test_bad_sql_and_writes_get_clear_errors(warehouse: LakeLocation) -> None:
    bad = runner.invoke(app, ["query", "SELEC 1"])
    assert bad.exit_code == 1 and "bad SQL" in bad.output and "SELEC" in bad.output
    write = runner.invoke(app, ["query", "DELETE FROM events"])
    assert write.exit_code == 1 and "read-only" in write.output
    with db.reader(warehouse) as con:
        assert con.execute("SELECT count(*) FROM events").fetchall() == [(8,)]  # copies included


def _snapshot_files(home: Path) -> dict[str, bytes]:
    """Every file under OVERSIGHT_HOME with its bytes (catalog, data files, search index)."""
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file() and not p.name.endswith(("-shm", "-wal"))}


def test_hostile_queries_are_refused_and_change_nothing(warehouse: LakeLocation, tmp_path: Path) -> None:
    home = tmp_path / "w"
    catalog = warehouse.catalog.split(":", 1)[1]
    data = warehouse.data_path
    parquet = next(Path(data).rglob("*.parquet"))
    elsewhere = tmp_path / "elsewhere.csv"
    before = _snapshot_files(home)
    hostile = [
        f"COPY (SELECT 'x') TO '{catalog}' (FORMAT csv)",  # the case: overwrite the warehouse
        f"COPY (SELECT 'x') TO '{parquet}' (FORMAT parquet)",  # a lake data file, inside the readable folder
        f"COPY (SELECT 'x') TO '{elsewhere}' (FORMAT csv)",
        f"ATTACH '{catalog}' AS cat (TYPE sqlite)",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        f"ATTACH 'ducklake:sqlite:{catalog}' AS rw (DATA_PATH '{data}')",
        "INSTALL httpfs", "LOAD httpfs", f"LOAD '{tmp_path / 'x.duckdb_extension'}'",
        "SET enable_external_access = true", "RESET lock_configuration", "PRAGMA threads=1",
        "CALL ducklake_expire_snapshots('lake', older_than => now())",
        "CALL ducklake_merge_adjacent_files('lake')",
        "INSERT INTO events SELECT * FROM events", "UPDATE articles SET title = 'x'", "DROP VIEW coverage",
        "CREATE TABLE x AS SELECT 1", "CREATE TEMP TABLE x AS SELECT 1", "DETACH lake",
        "SELECT 1; DELETE FROM events", f"EXPORT DATABASE '{tmp_path / 'exported'}'",
        "SELECT * FROM read_csv('https://example.com/a.csv')", "SELECT * FROM read_text('/etc/hostname')",
        f"SELECT * FROM read_text('{catalog}')", "SELECT getenv('HOME')",
        "SELECT * FROM query('COPY (SELECT 1) TO ''" + str(parquet) + "''')",
        "CHECKPOINT", "VACUUM", "BEGIN", "USE memory",
    ]
    for sql_text in hostile:
        result = runner.invoke(app, ["query", sql_text])
        assert result.exit_code != 0, (sql_text, result.output)
        assert "error:" in result.output, (sql_text, result.output)
    assert _snapshot_files(home) == before
    assert not elsewhere.exists() and not (tmp_path / "other.duckdb").exists() and not (tmp_path / "exported").exists()
    ok = runner.invoke(app, ["query", "--format", "csv", "SELECT count(*) AS n FROM events"])
    assert ok.exit_code == 0 and ok.output.splitlines() == ['"n"', "8"]  # and reading still works


def test_missing_warehouse_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "none"))
    result = runner.invoke(app, ["query", "SELECT 1"])
    assert result.exit_code == 2 and str(tmp_path / "none" / "catalog.sqlite") in result.output


def test_search_command_shows_score_date_outlet_title_url_tags_and_snippet(warehouse: LakeLocation) -> None:
    result = runner.invoke(app, ["search", '"face recognition"', "--since", "2026-03-01", "--state", "or"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r" *\d+\.\d\d  2026-03-11  oregonian\.example  Portland bans face recognition", lines[0])
    assert "https://oregonian.example/news/a4" in lines[1] and "face_recognition" in lines[2]
    assert lines[3].strip() == "The Portland Police Bureau bans [face recognition]."
    assert lines[-1] == "1 hit(s) for '\"face recognition\"' (state OR, since 2026-03-01)"
    assert runner.invoke(app, ["search", "x", "--since", "March"]).exit_code == 1
    bad = runner.invoke(app, ["search", "drones", "--technology", "drone"])
    assert bad.exit_code == 1 and "not a technology slug" in bad.output and "drones" in bad.output
    assert "two-letter" in runner.invoke(app, ["search", "drones", "--state", "Texas"]).output
    assert "nothing to search for" in runner.invoke(app, ["search", "the"]).output


def test_schema_prints_the_dictionary_and_the_committed_copy_is_current(warehouse: LakeLocation, tmp_path: Path) -> None:
    text = runner.invoke(app, ["schema"]).output
    assert "new_adoptions (view): First adoption" in text
    markdown = runner.invoke(app, ["schema", "--markdown"]).output
    committed = Path(__file__).resolve().parents[1] / "docs" / "DATA_DICTIONARY.md"
    assert markdown == committed.read_text(encoding="utf-8"), "regenerate: oversight schema --markdown --out docs/DATA_DICTIONARY.md"
