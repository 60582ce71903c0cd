"""`oversight export`: every table and view as Parquet or CSV that another DuckDB reads back."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.warehouse.views import RESEARCH_VIEWS
from tests.research_fixtures import research_warehouse

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


def test_parquet_exports_carry_the_data_dictionary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    research_warehouse(tmp_path / "w")
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    out = tmp_path / "export"
    assert runner.invoke(app, ["export", "--format", "parquet", "--out", str(out)]).exit_code == 0
    schema = pq.read_schema(out / "events.parquet")
    assert schema.field("evidence").metadata[b"description"] == b"The sentence that supports the event."
    assert schema.metadata[b"description"].startswith(b"An agency using, acquiring")
    view = pq.read_schema(out / "new_adoptions.parquet")  # a view's columns, from the dictionary table
    assert view.field("first_seen").metadata[b"description"] == b"Publish time of the first story reporting the pair."
    undocumented = [(p.stem, f.name) for p in out.glob("*.parquet") for f in pq.read_schema(p)
                    if not (f.metadata or {}).get(b"description")]
    assert undocumented == []
    with duckdb.connect() as con:  # any Parquet reader sees them in the file's key-value metadata
        found = con.execute("SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = "
                            "'column_descriptions'", [str(out / "stories.parquet")]).fetchone()
    assert found is not None and json.loads(found[0])["copies"] == "Articles in the story: 1 + syndicated copies."
