"""Readers never block landing and landing never blocks them: a notebook holding the lake open, and another
reader running a long query, during a whole `oversight run --sample`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oversight.schemas.settings import load_settings
from oversight.warehouse import connect, db
from tests.test_pipeline_e2e import ROOT, _free_port, oversight

pytestmark = pytest.mark.slow

# A notebook: one connection held open the whole time, inside a read transaction, re-reading now and then.
HOLDER = """
import sys, time
from oversight.warehouse import connect
con = connect(sys.argv[1])
con.execute("BEGIN")
first = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
print("holding", first, flush=True)
sys.stdin.readline()
again = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
con.execute("COMMIT")
print("snapshot", again, "now", con.execute("SELECT count(*) FROM articles").fetchall()[0][0], flush=True)
"""

# An analyst: a long query over the lake, again and again, counting what it saw.
LONG_QUERY = """
import sys
from oversight.warehouse import connect
con = connect(sys.argv[1])
print("reading", flush=True)
seen = set()
while not sys.stdin.closed:
    seen.add(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])
    con.execute("SELECT count(*) FROM mentions m, articles a, range(2000) r WHERE m.article_id <> a.url").fetchall()
    if sys.stdin.readable() and __import__("select").select([sys.stdin], [], [], 0)[0]:
        break
print("saw", len(seen), "counts", flush=True)
"""


def test_a_run_lands_everything_while_readers_hold_the_lake(tmp_path: Path) -> None:
    env = {**os.environ, "OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_SAMPLE_PORT": str(_free_port()),
           "OVERSIGHT_BUS": "embedded"}
    with db.writer(load_settings(home=tmp_path / "home").lake):
        pass  # the lake exists (migrated, empty), as it does once oversight has run
    readers = [subprocess.Popen([sys.executable, "-c", code, env["OVERSIGHT_HOME"]], cwd=ROOT, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for code in (HOLDER, LONG_QUERY)]
    try:
        assert readers[0].stdout is not None and readers[0].stdout.readline().split() == ["holding", "0"]
        assert readers[1].stdout is not None and readers[1].stdout.readline().strip() == "reading"
        run = oversight(env, "run", "--sample")
        assert run.returncode == 0, run.stderr[-3000:]
        # Readers take no lock the lander could wait for: no landing transaction was ever rerun or held up.
        logged = run.stdout + run.stderr
        assert "oversight.warehouse.search" in logged  # the warehouse's INFO lines, where a rerun would show, are there
        assert "conflicted with another writer" not in logged
        assert all(r.poll() is None for r in readers), "a reader died while the run landed"
        held, _ = readers[0].communicate("\n", timeout=60)
        long, _ = readers[1].communicate("\n", timeout=120)
    finally:
        for r in readers:
            if r.poll() is None:
                r.kill()
                r.wait()
    assert [r.returncode for r in readers] == [0, 0]
    con = connect(env["OVERSIGHT_HOME"])
    landed = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    con.close()
    assert landed >= 30
    # The notebook kept its snapshot while landing committed around it, then saw everything.
    assert held.split() == ["snapshot", "0", "now", str(landed)]
    assert long.startswith("saw")
