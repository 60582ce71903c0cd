"""The data dictionary is complete: every column of every table and view says what it holds."""

from __future__ import annotations

from pathlib import Path

from oversight.warehouse import db
from oversight.warehouse.dictionary import undocumented_columns
from tests.research_fixtures import research_warehouse


def test_every_table_and_view_column_has_a_comment(tmp_path: Path) -> None:
    lake = research_warehouse(tmp_path / "w")
    with db.reader(lake) as con:
        columns = con.execute(db.sql("catalog_columns")).fetchall()
        missing = undocumented_columns(con)
    assert len(columns) > 150  # the whole catalog was read, tables and views
    assert missing == [], f"{len(missing)} column(s) without a comment: {missing}"


def test_a_column_without_a_comment_is_reported(tmp_path: Path) -> None:
    lake = research_warehouse(tmp_path / "w")
    with db.writer(lake) as con:
        con.execute("CREATE TABLE scratch (documented INTEGER, bare INTEGER)")
        con.execute("COMMENT ON COLUMN scratch.documented IS 'Has a meaning.'")
        con.execute("CREATE VIEW scratch_view AS SELECT documented AS copied FROM scratch")
    with db.reader(lake) as con:
        assert undocumented_columns(con) == [("scratch", "bare"), ("scratch_view", "copied")]
