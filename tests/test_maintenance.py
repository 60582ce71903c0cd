"""Maintenance of the lake: files per table stay bounded however many batches landed, cited snapshots survive
expiry (their digest rebuilds byte for byte), it runs while `oversight worker land` commits and a reader
queries on a PostgreSQL catalog (nothing lost), and a SIGKILL during it leaves a lake the next run opens with
every row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oversight.flows.bus import open_bus
from oversight.flows.cli import app
from oversight.schemas import topics
from oversight.schemas.records import encode
from oversight.schemas.settings import LakeLocation, load_settings
from oversight.warehouse import db
from oversight.warehouse.maintenance import files_per_table, maintain
from oversight.warehouse.search import refresh_search_index, search, searching
from tests.research_fixtures import Ev, at, land, research_warehouse, story
from tests.test_lake import _counts
from tests.test_pipeline_e2e import ROOT

runner = CliRunner()
NOW = timedelta(0)


def land_small_batches(lake: LakeLocation, first: int, n: int) -> None:
    """`n` landings of one article each: each commit writes its own small files."""
    for i in range(first, first + n):
        land(lake, [story(f"s{i}", at("2026-03-1" + str(i % 7)), [Ev(f"Town {i} Police Department", "OH",
                                                                      "drones", "acquires", "Skydio")])])


def live_files(lake: LakeLocation) -> dict[str, int]:
    with db.reader(lake) as con:
        return files_per_table(con)


def digest_files(out: Path, *extra: str) -> dict[str, bytes]:
    result = runner.invoke(app, ["digest", "--week", "2026-W11", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_files_stay_bounded_and_a_cited_snapshot_survives_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = research_warehouse(tmp_path / "w")
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    land_small_batches(lake, 0, 20)
    monday = digest_files(tmp_path / "monday")
    with db.reader(lake) as con:
        cited = con.execute("SELECT snapshot_id FROM digest_snapshots").fetchall()[0][0]
    bounds = []
    for rounds in range(2):
        land_small_batches(lake, 100 * (rounds + 1), 20)
        before, counts = live_files(lake), _counts(lake)
        assert before["articles"] >= 20  # (mentions and events of small batches are inlined in the catalog)
        report = maintain(lake, keep_days=0, grace=NOW)
        assert _counts(lake) == counts  # nothing lost
        assert report.files_before == before and report.files_after == live_files(lake)
        assert report.expired_snapshots > 0 and report.deleted_files > 0
        bounds.append(max(report.files_after.values()))
    assert bounds[0] <= 2 and bounds[1] <= bounds[0]  # bounded, however many batches landed
    with db.reader(lake) as con:
        kept = {r[0] for r in con.execute("SELECT snapshot_id FROM ducklake_snapshots('lake')").fetchall()}
    assert cited in kept and len(kept) < 10
    assert digest_files(tmp_path / "rebuilt", "--as-of", str(cited)) == monday
    refresh_search_index(lake)  # its snapshot was expired: rebuilt, and every article found
    with searching(lake) as con:
        assert len(search(con, "Skydio", None, 100)) >= 60


READER = """
import time
from oversight.schemas.settings import load_settings
from oversight.warehouse import db
lake = load_settings().lake
reads = 0
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    with db.reader(lake) as con:
        con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles JOIN mentions USING (article_id)").fetchall()
        con.execute("SELECT * FROM weekly_technology_mentions").fetchall()
    reads += 1
    print(reads, flush=True)
"""


def test_maintenance_while_a_land_worker_commits_and_a_reader_queries_loses_nothing(
    tmp_path: Path, pg_catalog: str
) -> None:
    env = {**os.environ, "OVERSIGHT_HOME": str(tmp_path / "w"), "OVERSIGHT_CATALOG": pg_catalog,
           "OVERSIGHT_DATA_PATH": str(tmp_path / "shared"), "OVERSIGHT_BUS": "embedded",
           "OVERSIGHT_LAND_BATCH_SIZE": "1"}  # a commit per article: many small files for maintenance to merge
    settings = load_settings(home=tmp_path / "w", catalog=pg_catalog, data_path=str(tmp_path / "shared"),
                             bus="embedded")
    lake = settings.lake
    land_small_batches(lake, 0, 20)
    before = live_files(lake)
    queued = [story(f"q{i}", at("2026-03-1" + str(i % 7)), [Ev(f"Village {i} Police Department", "OH",
                                                                 "drones", "acquires", "Skydio")]) for i in range(40)]
    bus = open_bus(settings)
    try:
        bus.produce(topics.TAGGED, [(t.article.article_id, encode(t)) for t in queued])
    finally:
        bus.close()
    worker = subprocess.Popen([sys.executable, "-m", "oversight.flows", "worker", "land", "--max-idle", "3"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reader = subprocess.Popen([sys.executable, "-c", READER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        runs = 0
        while worker.poll() is None or runs < 2:
            maintain(lake, keep_days=0, grace=timedelta(minutes=60))  # younger files may be a landing's
            runs += 1
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0, out[-3000:]
        assert "land articles=40 " in out, out[-3000:]  # every commit of the worker went through
        assert reader.poll() is None, reader.communicate()[1][-3000:]  # it never failed
    finally:
        for process in (worker, reader):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
        reads, reader_err = reader.communicate(timeout=30)
    assert reads.split(), reader_err[-3000:]
    with db.reader(lake) as con:
        ids = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchall()[0]
    assert ids == (60, 60)  # every article of the start and of the worker's 40 commits, each once
    report = maintain(lake, keep_days=0, grace=timedelta(minutes=60))
    assert report.files_after["articles"] < before["articles"]


MAINTAIN = ["-m", "oversight.flows", "warehouse", "maintain", "--keep-days", "0", "--grace-minutes", "0"]


def test_sigkill_during_maintenance_then_a_run_opens_the_lake_with_every_row(tmp_path: Path) -> None:
    lake = research_warehouse(tmp_path / "w")
    env = {**os.environ, "OVERSIGHT_HOME": str(tmp_path / "w")}
    for kill_after in (1.5, 2.5, 3.5):
        land_small_batches(lake, int(kill_after * 100), 15)
        counts = _counts(lake)
        victim = subprocess.Popen([sys.executable, *MAINTAIN], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(kill_after)  # about when the merge or the expiry runs (imports take ~1.5 s)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        assert _counts(lake) == counts
        after = subprocess.run([sys.executable, *MAINTAIN], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
        assert after.returncode == 0, after.stderr[-3000:]
        assert "oversight warehouse maintain: data files" in after.stdout
        assert _counts(lake) == counts
        assert max(live_files(lake).values()) <= 2
