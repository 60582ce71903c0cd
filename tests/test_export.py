"""`oversight export`: every table and view as Parquet or CSV that another DuckDB reads back."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.research_fixtures import research_warehouse
from warehouse.views import RESEARCH_VIEWS

runner = CliRunner()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_table_and_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    research_warehouse(tmp_path / "w")
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.stem for p in out.iterdir()}
    assert set(RESEARCH_VIEWS) | {"articles", "events", "mentions", "agencies", "vendors", "technologies"} <= names
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM {reader}(?)", [str(out / f"events.{fmt}")]).fetchone() == (8,)
        adoptions = con.execute(f"SELECT agency, technology FROM {reader}(?) ORDER BY first_seen, agency, technology",
                                [str(out / f"new_adoptions.{fmt}")]).fetchall()
        assert adoptions[-1] == ("Dallas Police Department", "license_plate_readers")
        if fmt == "csv":  # lists are written as JSON text
            authors = con.execute("SELECT authors FROM read_csv(?) LIMIT 1", [str(out / "articles.csv")]).fetchone()
            assert authors == ('["Reporter"]',)
