"""Turns at writing the lake, on both catalogs: one writer holds the turn and the others wait for it (or go
ahead without it after their wait); a holder that dies lets go; landing takes it and lands every row."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from oversight.flows.land import Lander, land_batch
from oversight.schemas.settings import LakeLocation, load_settings
from oversight.warehouse import db
from oversight.warehouse.write_turns import WriteTurns
from tests.research_fixtures import Ev, at, story
from tests.test_pipeline_e2e import ROOT

HOLD = """
import sys, time
from oversight.schemas.settings import load_settings
from oversight.warehouse.write_turns import WriteTurns
turns = WriteTurns(load_settings().lake)
with turns.turn() as held:
    print("held" if held else "not held", flush=True)
    time.sleep(600)
"""


@pytest.fixture(params=["sqlite", "postgres"])
def home(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    if request.param == "postgres":
        monkeypatch.setenv("OVERSIGHT_CATALOG", request.getfixturevalue("pg_catalog"))
        monkeypatch.setenv("OVERSIGHT_DATA_PATH", str(tmp_path / "shared"))
    with db.writer(load_settings().lake):  # the lake exists before anyone takes turns
        pass
    return tmp_path / "w"


def lake() -> LakeLocation:
    return load_settings().lake


def test_one_turn_at_a_time_and_a_waiter_gets_it_when_let_go(home: Path) -> None:
    first, second = WriteTurns(lake(), wait_s=0.2), WriteTurns(lake(), wait_s=60)
    with first, second:
        got: list[bool] = []
        with first.turn() as held:
            assert held
            with WriteTurns(lake(), wait_s=0.2) as impatient, impatient.turn() as also:
                assert not also  # it waited its 0.2 s and went ahead without the turn
            def wait_for_turn() -> None:
                with second.turn() as waited:
                    got.append(waited)

            waiter = threading.Thread(target=wait_for_turn)
            waiter.start()
            waiter.join(timeout=0.5)
            assert waiter.is_alive() and not got  # still waiting while the first holds it
        waiter.join(timeout=60)
        assert got == [True]


def test_a_holder_that_dies_lets_go(home: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD], cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with WriteTurns(lake(), wait_s=0.2) as turns, turns.turn() as held:
            assert not held
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        with WriteTurns(lake(), wait_s=60) as turns, turns.turn() as held:
            assert held
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)


def articles_landed() -> int:
    with db.reader(lake()) as con:
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])


def test_landing_waits_for_its_turn_and_goes_ahead_after_its_wait(home: Path) -> None:
    batch = [story(f"t{i}", at("2026-03-1" + str(i)), [Ev(f"Town {i} Police Department", "OH", "drones", "acquires")])
             for i in range(3)]
    with Lander(load_settings()) as lander:
        with WriteTurns(lake(), wait_s=1) as other, other.turn() as held:
            assert held
            landing = threading.Thread(target=lander.land, args=(batch[:1],))
            landing.start()
            landing.join(timeout=1.0)
            assert landing.is_alive() and articles_landed() == 0  # waiting for the other writer's turn
        landing.join(timeout=120)
        assert not landing.is_alive() and articles_landed() == 1
        lander.turns.wait_s = 0.2
        with WriteTurns(lake(), wait_s=1) as other, other.turn():
            lander.land(batch[1:2])  # waits its 0.2 s, then lands without the turn: nothing is lost
        assert articles_landed() == 2
    land_batch(load_settings(), batch)  # a one-off lander closes its turns; a redelivered article lands once
    with db.reader(lake()) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchall() == [(3, 3)]


def test_an_unreachable_lock_never_stops_a_landing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(home=tmp_path / "w")
    with db.writer(settings.lake):
        pass
    (tmp_path / "w" / "catalog.sqlite.turns").mkdir()  # the lock file cannot be opened
    with caplog.at_level(logging.WARNING, logger="oversight.warehouse"), Lander(settings) as lander:
        lander.land([story("u1", at("2026-03-11"), [Ev("Uptown Police Department", "OH", "drones", "acquires")])])
    assert "cannot take turns at writing the lake" in caplog.text and "catalog.sqlite.turns" in caplog.text
    with db.reader(settings.lake) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchall() == [(1,)]
