"""Crashes never brick the warehouse: a SIGKILL at any moment of a run, then the next run finishes the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from oversight.schemas.settings import load_settings
from oversight.warehouse import db, duckfile
from oversight.warehouse.db import migrations
from oversight.warehouse.views import relations
from tests.test_pipeline_e2e import ROOT, _free_port, oversight

pytestmark = pytest.mark.slow

HOMES = 4
KILLS_PER_HOME = 5  # 20 moments in all, the first of each home within a second of the warehouse appearing


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OVERSIGHT_SAMPLE_PORT": str(_free_port()), "OVERSIGHT_BUS": "embedded"}


def counts(env: dict[str, str]) -> dict[str, int]:
    """Rows in every table of the warehouse."""
    with db.reader(load_settings(home=Path(env["OVERSIGHT_HOME"])).lake) as con:
        tables = [name for name, kind, _ in relations(con) if kind == "table"]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}


def _store(env: dict[str, str]) -> Path:
    return Path(env["OVERSIGHT_HOME"]) / "catalog.sqlite"


def _run_and_kill(env: dict[str, str], after_s: float) -> str:
    """Start `oversight run --sample`, SIGKILL it `after_s` seconds after the warehouse exists; say when."""
    proc = subprocess.Popen([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _store(env).exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _store(env).exists(), "the run never created the warehouse"
        children = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        time.sleep(after_s)
        finished = proc.poll() is not None
        if not finished:
            children += psutil.Process(proc.pid).children(recursive=True)
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    _, alive = psutil.wait_procs(set(children), timeout=15)
    for p in alive:
        p.kill()
    assert not alive, f"processes left running by the killed run: {[p.cmdline()[:4] for p in alive]}"
    return f"{after_s:.2f}s{' (had finished)' if finished else ''}"


def test_sigkill_at_random_moments_then_the_next_run_lands_a_clean_runs_counts(
    tmp_path: Path, env: dict[str, str]
) -> None:
    clean_env = {**env, "OVERSIGHT_HOME": str(tmp_path / "clean")}
    started = time.monotonic()
    clean = oversight(clean_env, "run", "--sample")
    assert clean.returncode == 0, clean.stderr[-3000:]
    span = time.monotonic() - started
    expected = counts(clean_env)
    assert expected["articles"] >= 30 and expected["events"] >= 5 and expected["schema_migrations"] == len(migrations())

    seed = int(os.environ.get("OVERSIGHT_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    for h in range(HOMES):
        home_env = {**env, "OVERSIGHT_HOME": str(tmp_path / f"home{h}")}
        moments = [rng.uniform(0, 1.0)] + [rng.uniform(0, span) for _ in range(KILLS_PER_HOME - 1)]
        said = [_run_and_kill(home_env, m) for m in moments]
        after = oversight(home_env, "run", "--sample")
        where = f"seed {seed}, home {h}, killed at {said}"
        assert after.returncode == 0, f"{where}: {after.stderr[-3000:]}"
        assert counts(home_env) == expected, where


def test_a_duckdb_file_left_with_an_unreplayable_write_ahead_log_opens_again(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    # The first two migrations without a checkpoint, then a crash: what a run killed early left in a pre-lake warehouse.
    crash = ("import duckdb, os, sys\n"
             "from oversight.warehouse.db import migrations\n"
             "con = duckdb.connect(sys.argv[1])\n"
             "con.execute('CREATE TABLE schema_migrations (version INTEGER, name VARCHAR, applied_at TIMESTAMPTZ)')\n"
             "for _, _, text in migrations()[:2]:\n"
             "    con.execute(text)\n"
             "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", crash, str(path)], cwd=ROOT, check=True)
    with pytest.raises(duckdb.Error, match="replaying WAL"):
        duckdb.connect(str(path)).close()
    with duckfile.connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM technologies").fetchall() == [(15,)]
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'feeds'").fetchall()[0][0]
    duckdb.connect(str(path), read_only=True).close()  # checkpointed: it opens directly again
