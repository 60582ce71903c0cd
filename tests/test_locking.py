"""A researcher holding the warehouse open does not fail landing: it waits, messages stay uncommitted, then lands."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from flows.bus.embedded import EmbeddedBus
from flows.outcomes import Outcomes
from flows.stages import run_stage
from schemas import topics
from schemas.records import encode
from schemas.settings import load_settings
from tests.research_fixtures import Ev, at, story
from warehouse import db

HOLD = ("import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "con.execute('SELECT count(*) FROM articles').fetchall()\n"
        "print('holding', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "con.close()\n")


def test_landing_waits_for_a_reader_then_lands_and_commits(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, warehouse=tmp_path / "w.duckdb")
    with db.writer(settings.warehouse_path):
        pass  # the file exists, as it does once oversight has run
    bus = EmbeddedBus(settings.bus_dir)
    batch = [story(f"a{i}", at("2026-03-02"), [Ev("Austin Police Department", "TX", "drones")]) for i in range(5)]
    bus.produce(topics.TAGGED, [(t.article.article_id, encode(t)) for t in batch])

    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(settings.warehouse_path), "3"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    result: list[Outcomes] = []
    lander = threading.Thread(target=lambda: result.append(run_stage(settings, EmbeddedBus(settings.bus_dir), "land")))
    started = time.monotonic()
    lander.start()
    time.sleep(1.5)
    assert lander.is_alive(), "landing should be waiting for the lock"
    assert bus.committed(topics.GROUP_LAND, topics.TAGGED) == 0, "nothing may be committed before it lands"

    assert holder.wait(timeout=30) == 0
    lander.join(timeout=60)
    assert not lander.is_alive() and time.monotonic() - started >= 2.5
    assert result and result[0].stage("land")["articles"] == 5
    assert bus.committed(topics.GROUP_LAND, topics.TAGGED) == 5
    with db.reader(settings.warehouse_path) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchall() == [(5,)]
    bus.close()
