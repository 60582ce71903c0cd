"""Any past state: a digest rebuilt `--as-of` its snapshot after more landings is byte-identical; query and export
read a snapshot id or a time; a snapshot that does not exist is named."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from oversight.flows.cli import app
from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from tests.research_fixtures import Ev, at, land, story

runner = CliRunner()
WEEK = "2026-W11"


def digest(out: Path, *extra: str) -> tuple[int, dict[str, bytes]]:
    result = runner.invoke(app, ["digest", "--week", WEEK, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    found = re.search(r"built from snapshot (\d+)", result.output)
    assert found, result.output
    return int(found.group(1)), {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def land_more(lake: LakeLocation) -> None:
    """A late story in the digest's week, and a new agency: the week's digest changes."""
    land(lake, [story("late1", at("2026-03-13"), [Ev("Tulsa Police Department", "OK", "drones", "acquires",
                                                      "Skydio")], title="Tulsa buys drones")])


def test_a_digest_rebuilt_as_of_its_snapshot_after_more_landings_is_byte_identical(
    warehouse: LakeLocation, tmp_path: Path
) -> None:
    snapshot, first = digest(tmp_path / "monday")
    assert f"Built from snapshot {snapshot} of the warehouse".encode() in first[f"digest-{WEEK}.md"]
    assert f"--as-of {snapshot}".encode() in first[f"digest-{WEEK}.html"]
    land_more(warehouse)
    later, now = digest(tmp_path / "friday")
    assert later > snapshot and b"Tulsa Police Department" in now[f"digest-{WEEK}.md"]
    rebuilt_snapshot, rebuilt = digest(tmp_path / "rebuilt", "--as-of", str(snapshot))
    assert rebuilt_snapshot == snapshot
    assert rebuilt == first  # every file, byte for byte
    with db.reader(warehouse) as con:
        cited = con.execute("SELECT week, snapshot_id FROM digest_snapshots ORDER BY snapshot_id").fetchall()
    assert cited == [(WEEK, snapshot), (WEEK, later)]


def test_query_and_export_read_a_snapshot_by_id_or_time(warehouse: LakeLocation, tmp_path: Path) -> None:
    with db.reader(warehouse) as con:
        before = db.current_snapshot(con)
        when = con.execute("SELECT snapshot_time FROM ducklake_snapshots('lake') WHERE snapshot_id = ?",
                           [before]).fetchall()[0][0]
    land_more(warehouse)
    count = "SELECT count(*) AS n FROM articles"
    assert runner.invoke(app, ["query", "--format", "csv", count]).output.splitlines()[1] == "8"
    for as_of in (str(before), when.isoformat()):
        result = runner.invoke(app, ["query", "--format", "csv", "--as-of", as_of, count])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[1] == "7", as_of
    exported = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path / "x"), "--as-of", str(before)])
    assert exported.exit_code == 0, exported.output
    assert f"from snapshot {before}" in exported.output
    with (tmp_path / "x" / "articles.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 7


def test_a_snapshot_that_does_not_exist_or_a_bad_as_of_is_named(warehouse: LakeLocation, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["query", "--as-of", "99999", "SELECT 1"])
    assert missing.exit_code == 2 and "has no snapshot 99999" in missing.output
    early = runner.invoke(app, ["digest", "--week", WEEK, "--out", str(tmp_path / "d"), "--as-of", "2001-01-01"])
    assert early.exit_code == 2 and "has no snapshot at 2001-01-01T00:00:00+00:00" in early.output
    bad = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path / "e"), "--as-of", "last week"])
    assert bad.exit_code == 1 and "--as-of 'last week' is neither a snapshot id" in bad.output


def test_snapshots_lists_the_digests_citing_them(warehouse: LakeLocation, tmp_path: Path) -> None:
    snapshot, _ = digest(tmp_path / "d")
    listed = runner.invoke(app, ["warehouse", "snapshots"])
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.split()[0] == str(snapshot))
    assert line.endswith(f"cited by digest {WEEK}")
