"""The lake itself: settings for catalog and data path, and writers racing on a new lake land every row once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oversight.schemas.settings import load_settings
from oversight.warehouse import db
from tests.research_fixtures import lake_in, research_warehouse
from tests.test_pipeline_e2e import ROOT

# One writer process: lands the research batch and registers feeds, all into the same, possibly new, lake.
WRITER = """
import sys
from tests.research_fixtures import lake_in, land, research_batch
from oversight.warehouse import db
from oversight.warehouse.feeds import FeedRow, register_feeds
lake = lake_in(__import__("pathlib").Path(sys.argv[1]))
batch, dups = research_batch()
for _ in range(3):
    land(lake, batch, dups)
    with db.writer(lake) as con:
        register_feeds(con, [FeedRow(f"https://news.example/feed{k}") for k in range(5)])
"""

COUNTED = ("articles", "mentions", "events", "agencies", "vendors", "feeds", "schema_migrations", "technologies")


def _counts(lake: object) -> dict[str, int]:
    with db.reader(lake) as con:  # type: ignore[arg-type]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in COUNTED}


def test_catalog_and_data_path_are_settings(tmp_path: Path) -> None:
    default = load_settings(home=tmp_path).lake
    assert default.catalog == f"sqlite:{tmp_path.resolve() / 'catalog.sqlite'}"
    assert default.data_path == f"{tmp_path.resolve() / 'lake'}/"
    custom = load_settings(home=tmp_path, catalog=f"sqlite:{tmp_path / 'c.db'}", data_path=str(tmp_path / "d")).lake
    assert (custom.catalog, custom.data_path) == (f"sqlite:{tmp_path.resolve() / 'c.db'}", f"{tmp_path.resolve() / 'd'}/")
    assert load_settings(home=tmp_path, catalog=str(tmp_path / "bare.sqlite")).lake.catalog.startswith("sqlite:/")
    research_warehouse(tmp_path / "x")  # and a lake lands where its settings say
    moved = load_settings(home=tmp_path / "x", catalog=str(tmp_path / "elsewhere.sqlite"),
                          data_path=str(tmp_path / "files")).lake
    with db.writer(moved) as con:
        con.execute("INSERT INTO feeds (feed_url) VALUES ('https://a.example/feed')")
    assert (tmp_path / "elsewhere.sqlite").exists() and not (tmp_path / "x" / "elsewhere.sqlite").exists()
    assert _counts(moved)["feeds"] == 1


def test_an_unsupported_catalog_is_named_without_its_password(tmp_path: Path) -> None:
    lake = load_settings(home=tmp_path, catalog="mysql:db=lake host=127.0.0.1 password=hunter2").lake
    with pytest.raises(db.WarehouseError, match="mysql:db=lake host=127.0.0.1 password=\\*\\*\\*") as caught:
        with db.writer(lake):
            pass
    assert "hunter2" not in str(caught.value)


def test_writers_racing_on_a_new_lake_land_every_row_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(home)], cwd=ROOT, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    for w in writers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err[-3000:]
    expected = _counts(research_warehouse(tmp_path / "once"))
    expected["feeds"] = 5
    assert _counts(lake_in(home)) == expected
