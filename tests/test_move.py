"""`oversight warehouse move`: a pre-lake warehouse.duckdb, even one a crash left unopenable, moves into the lake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.schemas.settings import load_settings
from oversight.warehouse import db
from oversight.warehouse.move import MOVED
from tests.research_fixtures import research_warehouse
from tests.test_pipeline_e2e import ROOT

runner = CliRunner()

# The old warehouse: the research batch landed into a plain DuckDB file, then a crash before any checkpoint,
# which leaves a write-ahead log DuckDB 1.5.5 refuses to replay (COMMENT ON).
OLD_WAREHOUSE = """
import os, sys
import duckdb
from tests.research_fixtures import research_batch
from oversight.warehouse.db import migrations
from oversight.warehouse.loader import land_tagged
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1GB'")
con.execute("CREATE TABLE schema_migrations (version INTEGER, name VARCHAR, applied_at TIMESTAMPTZ)")
for _, _, text in migrations():
    if "CALL lake." not in text:  # the lake's own options: a pre-lake file had none
        con.execute(text)
batch, dups = research_batch()
land_tagged(con, batch, dups)
os._exit(0)
"""


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in MOVED}


def test_a_crashed_pre_lake_warehouse_moves_in_with_one_command(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    old = home / "warehouse.duckdb"
    subprocess.run([sys.executable, "-c", OLD_WAREHOUSE, str(old)], cwd=ROOT, check=True)
    with pytest.raises(duckdb.Error, match="replaying WAL"):
        duckdb.connect(str(old)).close()
    monkeypatch.setenv("OVERSIGHT_HOME", str(home))
    lake = load_settings(home=home).lake

    refused = runner.invoke(app, ["query", "SELECT 1"])  # nothing forks the warehouse before the move
    assert refused.exit_code == 2 and "warehouse move" in refused.output
    with pytest.raises(db.WarehouseError, match="warehouse move"):
        with db.writer(lake):
            pass

    moved = runner.invoke(app, ["warehouse", "move"])
    assert moved.exit_code == 0, moved.output
    assert not old.exists() and (home / "warehouse.duckdb.moved").exists()
    with db.reader(research_warehouse(tmp_path / "direct")) as con:
        expected = _counts(con)
        expected_views = con.execute("SELECT * FROM new_adoptions ORDER BY ALL").fetchall()
    with db.reader(lake) as con:
        assert _counts(con) == expected
        assert con.execute("SELECT * FROM new_adoptions ORDER BY ALL").fetchall() == expected_views
    found = runner.invoke(app, ["search", "Portland"])
    assert found.exit_code == 0 and "Portland bans face recognition" in found.output

    again = runner.invoke(app, ["warehouse", "move", "--from", str(home / "warehouse.duckdb.moved")])
    assert again.exit_code == 2 and "empty lake" in again.output
