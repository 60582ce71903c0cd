"""The whole pipeline through the CLI: the sample end to end, re-runs, and a killed `process`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from oversight.flows.bus.embedded import EmbeddedBus
from oversight.flows.stages import STAGES
from oversight.schemas import topics
from oversight.warehouse import connect

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["feeds", "entries", "articles", "mentions", "events", "agencies", "vendors", "dead_letters"]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_SAMPLE_PORT": str(_free_port()),
            "OVERSIGHT_BUS": "embedded"}


def oversight(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oversight.flows", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def counts(env: dict[str, str]) -> dict[str, int]:
    con = connect(env["OVERSIGHT_HOME"])
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
    finally:
        con.close()


def test_sample_run_lands_articles_and_events_and_a_rerun_adds_nothing(env: dict[str, str]) -> None:
    first = oversight(env, "run", "--sample")
    assert first.returncode == 0, first.stderr[-3000:]
    summary = [line for line in first.stdout.splitlines() if line.startswith("oversight run --sample:")]
    assert summary and "extract ok=" in summary[0]
    assert "warehouse:" in first.stdout and "oversight query" in first.stdout
    after_first = counts(env)
    con = connect(env["OVERSIGHT_HOME"])
    ok = con.execute("SELECT count(*) FROM articles WHERE status = 'ok'").fetchone()[0]  # type: ignore[index]
    evidence = con.execute("SELECT count(*) FROM events e JOIN articles a USING (article_id) "
                           "WHERE strpos(a.title || chr(10) || chr(10) || a.text, e.evidence) > 0").fetchone()[0]  # type: ignore[index]
    con.close()
    assert ok >= 30
    assert after_first["events"] >= 5
    assert evidence == after_first["events"]  # every event's evidence is a sentence of its article
    second = oversight(env, "run", "--sample")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "entries new=" not in second.stdout  # nothing new was queued
    assert counts(env) == after_first


def test_process_killed_mid_batch_then_rerun_lands_every_article_once(env: dict[str, str]) -> None:
    env = {**env, "OVERSIGHT_BATCH_SIZE": "3", "OVERSIGHT_ALLOW_PRIVATE_NETWORKS": "true",
           "OVERSIGHT_PER_HOST_INTERVAL": "0"}
    from oversight.flows.sample import sample_feed_urls, serve_sample

    with serve_sample(int(env["OVERSIGHT_SAMPLE_PORT"])) as base:
        opml = Path(env["OVERSIGHT_HOME"]).parent / "sample.opml"
        outlines = "".join(f'<outline type="rss" text="s" xmlUrl="{u}"/>' for u in sample_feed_urls(base))
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>')
        polled = oversight(env, "poll", "--feeds", str(opml))
        assert polled.returncode == 0, polled.stderr[-3000:]
        queued = int(polled.stdout.split("entries new=")[1].split()[0])
        proc = subprocess.Popen([sys.executable, "-m", "oversight.flows", "process"], cwd=ROOT, env=env,
                                stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        bus = EmbeddedBus(Path(env["OVERSIGHT_HOME"]) / "bus")
        try:  # kill once tagging is under way (a batch committed) and landing has not finished
            deadline = time.monotonic() + 240
            while bus.committed(STAGES["tag"].group, topics.ARTICLES) == 0 and proc.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.02)
            children = psutil.Process(proc.pid).children(recursive=True)  # Prefect's API, the CPU pool
            landed_before = bus.committed(STAGES["land"].group, topics.TAGGED)
        finally:
            bus.close()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert landed_before < queued  # killed mid-run
        assert proc.returncode == -signal.SIGKILL
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"processes left running by the killed run: {[p.cmdline()[:4] for p in alive]}"
        rerun = oversight(env, "process")
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    con = connect(env["OVERSIGHT_HOME"])
    landed, unique = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()  # type: ignore[misc]
    repeated = con.execute("SELECT count(*) FROM (SELECT article_id, label, start_char, end_char, canonical_id FROM mentions "
                           "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]  # type: ignore[index]
    events, event_ids = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()  # type: ignore[misc]
    con.close()
    assert landed == unique == queued
    assert repeated == 0 and events == event_ids
