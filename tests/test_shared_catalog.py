"""The lake with its catalog in PostgreSQL (a throwaway cluster): the same tables as with SQLite, racing writers
land every row once, readers and `oversight query` work, and a missing lake or a password is named properly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oversight.schemas.settings import LakeLocation, load_settings
from oversight.warehouse import db
from oversight.warehouse.readonly import run_query
from tests.postgres_cluster import PostgresCluster
from tests.research_fixtures import land, research_batch, research_warehouse
from tests.test_lake import COUNTED, WRITER, _counts
from tests.test_pipeline_e2e import ROOT

VIEWS = ("weekly_technology_mentions", "new_adoptions", "agency_timeline", "vendor_share", "stories")


def pg_lake(tmp_path: Path, catalog: str) -> LakeLocation:
    return load_settings(home=tmp_path / "home", catalog=catalog, data_path=str(tmp_path / "shared")).lake


def _rows(lake: LakeLocation, relation: str) -> list[tuple[object, ...]]:
    with db.reader(lake) as con:
        return sorted(con.execute(f"SELECT * EXCLUDE (landed_at) FROM {relation}" if relation == "events"
                                  else f"SELECT * FROM {relation}").fetchall(), key=repr)


def test_a_postgres_catalog_holds_the_same_warehouse_as_the_sqlite_file(tmp_path: Path, pg_catalog: str) -> None:
    lake = pg_lake(tmp_path, pg_catalog)
    assert lake.catalog == pg_catalog
    batch, dups = research_batch()
    land(lake, batch, dups)
    land(lake, batch, dups)  # redelivered: still once
    sqlite = research_warehouse(tmp_path / "sqlite")
    assert _counts(lake) == _counts(sqlite)
    for relation in (*VIEWS, "events", "mentions"):
        assert _rows(lake, relation) == _rows(sqlite, relation), relation
    result = run_query(lake, "SELECT count(*) AS n FROM articles")  # locked down, and still reads the catalog
    assert result.to_pylist() == [{"n": _counts(sqlite)["articles"]}]


def test_writers_racing_on_a_new_postgres_lake_land_every_row_once(tmp_path: Path, pg_catalog: str) -> None:
    env = {**os.environ, "OVERSIGHT_CATALOG": pg_catalog, "OVERSIGHT_DATA_PATH": str(tmp_path / "shared")}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / f"home{i}")], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True) for i in range(3)]
    for w in writers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err[-3000:]
    expected = _counts(research_warehouse(tmp_path / "once"))
    expected["feeds"] = 5
    assert _counts(pg_lake(tmp_path, pg_catalog)) == expected
    assert set(expected) == set(COUNTED)


def test_a_database_without_a_lake_is_named_and_its_password_never_shown(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    empty = pg_lake(tmp_path, postgres_cluster.catalog() + " password=hunter2")
    with pytest.raises(db.WarehouseError, match=r"no warehouse at postgres:dbname=lake_\d+ .*password=\*\*\* yet"):
        with db.reader(empty):
            pass
    missing = pg_lake(tmp_path, f"postgresql://oversight:hunter2@127.0.0.1:{postgres_cluster.port}/nowhere")
    with pytest.raises(db.WarehouseError, match="nowhere") as caught:
        with db.writer(missing):
            pass
    assert "hunter2" not in str(caught.value) and "oversight:***@" in str(caught.value)
