"""The README's two scheduling paths, each with real processes: `oversight serve` on one machine (Prefect's own
server with its scheduler, started under OVERSIGHT_HOME), and a team's Prefect server with a process work
pool, `prefect deploy --all` and a worker, which `oversight serve` must leave alone."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml

from oversight.flows.prefect_api import healthy
from oversight.flows.sample import sample_feed_urls, serve_sample
from tests.kafka_broker import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh OVERSIGHT_HOME whose two registered feeds are the bundled sample, served on 127.0.0.1."""
    values = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    values |= {"OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_BUS": "embedded",
               "OVERSIGHT_ALLOW_PRIVATE_NETWORKS": "true", "OVERSIGHT_PER_HOST_INTERVAL": "0",
               "OVERSIGHT_SERVE_PORT": "0", "OVERSIGHT_WEB_PORT": str(free_port()),
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    with serve_sample(free_port()) as base_url:
        for url in sample_feed_urls(base_url):
            added = oversight(values, "feeds", "add", url)
            assert added.returncode == 0, added.stderr
        yield values


def oversight(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oversight.flows", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def prefect_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prefect", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def articles(env: dict[str, str]) -> int:
    """Articles in the warehouse, read as a researcher would (0 while landing holds it)."""
    out = oversight(env, "query", "--format", "json", "SELECT count(*) AS n FROM articles")
    return int(json.loads(out.stdout)[0]["n"]) if out.returncode == 0 else 0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 420, every: float = 2,
             log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log else ""
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}\n{tail}")


def flow_runs(env: dict[str, str]) -> list[dict[str, str]]:
    out = oversight(env, "status", "--json")
    return list(json.loads(out.stdout)["flow_runs"]["runs"]) if out.stdout.startswith("{") else []


def completed(env: dict[str, str], *flows: str) -> bool:
    done = {r["flow"] for r in flow_runs(env) if r["state"] == "Completed"}
    return set(flows) <= done


def stop_tree(process: subprocess.Popen[str], signals: tuple[signal.Signals, ...]) -> None:
    """Stop a process we started (and what it started) by pid, one signal after another."""
    if process.poll() is not None:
        return
    tree = [process.pid, *(c.pid for c in psutil.Process(process.pid).children(recursive=True))]
    for sig in signals:
        for pid in tree:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            process.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:
            continue
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.timeout(900)
def test_serve_runs_the_schedules_and_stops_cleanly_on_ctrl_c(env: dict[str, str], tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in spec["deployments"]:
        if deployment["name"] in ("poll", "process"):
            deployment["schedules"] = [{"interval": 5, "timezone": "UTC"}]
    test_yaml = tmp_path / "prefect.yaml"
    test_yaml.write_text(yaml.safe_dump(spec), encoding="utf-8")
    log_path = tmp_path / "serve.log"
    log = log_path.open("w+")
    serve = subprocess.Popen([sys.executable, "-m", "oversight.flows", "serve", "--prefect-yaml", str(test_yaml)],
                             cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: articles(env) >= 30, "the sample's articles to land through scheduled runs", log=log_path)
        wait_for(lambda: completed(env, "poll", "process"), "completed poll and process flow runs", log=log_path)
        broken = [r for r in flow_runs(env) if r["state"] in ("Failed", "Crashed")]
        assert not broken, (broken, log_path.read_text(encoding="utf-8")[-4000:])

        # Two digests of different weeks asked for at once: the second waits its turn, neither vanishes.
        digests = tmp_path / "digests"
        api = {**env, "PREFECT_API_URL": json.loads(oversight(env, "status", "--json").stdout)["flow_runs"]["from"]}
        for week in ("2026-W40", "2026-W41"):
            asked = prefect_cli(api, "deployment", "run", "weekly-digest/weekly-digest", "-p", f"week={week}",
                                "-p", f"out={digests}")
            assert asked.returncode == 0, asked.stdout + asked.stderr
        wait_for(lambda: {p.name for p in digests.glob("digest-*.md")} >= {"digest-2026-W40.md",
                                                                          "digest-2026-W41.md"},
                 "both digests to be written", log=log_path)
        assert not [r for r in flow_runs(env) if r["flow"] == "weekly-digest" and r["state"] == "Cancelled"]
        # Maintenance (a daily schedule) asked for now runs beside the others on the lake they fill.
        asked = prefect_cli(api, "deployment", "run", "maintain-warehouse/maintain-warehouse")
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", asked.stdout)
        assert asked.returncode == 0 and run_id, asked.stdout + asked.stderr
        # That run by its id: the runs listed by `status` roll over every few seconds under 5 s schedules.
        wait_for(lambda: flow_run_state(api["PREFECT_API_URL"], run_id.group(1)) == "COMPLETED",
                 "the maintenance run to complete", log=log_path)
        children = psutil.Process(serve.pid).children(recursive=True)
        assert children  # Prefect's server at least
        # The review pages run beside the schedules, on the lake they fill.
        page = httpx.get(f"http://127.0.0.1:{env['OVERSIGHT_WEB_PORT']}/?technology=face_recognition", timeout=30)
        assert page.status_code == 200 and "<tr data-href" in page.text, page.text[:2000]
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGINT)
        try:
            code = serve.wait(timeout=60)
        finally:
            stop_tree(serve, (signal.SIGKILL,))
    log.seek(0)
    output = log.read()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output and "Error logging to API" not in output, output[-3000:]
    assert "oversight serve: flow runs" in output and "completed=" in output
    gone, alive = psutil.wait_procs([c for c in children if c.is_running()], timeout=10)
    assert not alive, [c.cmdline() for c in alive]
    assert not (Path(env["OVERSIGHT_HOME"]) / "prefect" / "serve.json").exists()


def run_by_hand(env: dict[str, str], name: str, tries: int = 4) -> None:
    """Run a deployment through the API and watch it complete. A run that meets one the schedule started
    (prefect.yaml's */5 and */15 crons keep firing) is skipped by design (Cancelled): ask again."""
    for _ in range(tries):
        ran = prefect_cli(env, "deployment", "run", name, "--watch", "--watch-timeout", "300")
        if ran.returncode == 0 and "Completed" in ran.stdout:
            return
        assert "Cancelled" in ran.stdout, ran.stdout[-3000:] + ran.stderr[-3000:]
        time.sleep(5)
    raise AssertionError(f"{name}: every run by hand met a scheduled one")


def flow_run_state(api_url: str, run_id: str) -> str | None:
    with urllib.request.urlopen(f"{api_url}/flow_runs/{run_id}", timeout=10) as response:
        return (json.load(response).get("state") or {}).get("type")


def _deployment(api_url: str, name: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{api_url}/deployments/name/{name}", timeout=10) as response:
        return dict(json.load(response))


@pytest.mark.timeout(900)
def test_a_team_server_with_a_worker_runs_process_and_serve_leaves_its_deployments_alone(
    env: dict[str, str], tmp_path: Path,
) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    team = {**env, "PREFECT_HOME": str(tmp_path / "team-prefect"), "PREFECT_API_URL": api_url}
    server_log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=tmp_path, env=team, stdout=server_log,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    worker = None
    try:
        wait_for(lambda: healthy(api_url), "the Prefect server to answer", timeout=120, every=0.5)
        pool = prefect_cli(team, "work-pool", "create", "oversight-local", "--type", "process")
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deployed = prefect_cli(team, "--no-prompt", "deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "oversight-local"],
                                  cwd=ROOT, env=team, stdout=worker_log, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True)

        for name in ("poll/poll", "process/process"):  # triggered through the API, run by the worker
            run_by_hand(team, name)
        assert articles(env) >= 30

        before = {name: _deployment(api_url, name) for name in ("poll/poll", "process/process",
                                                                 "weekly-digest/weekly-digest")}
        served = oversight(team, "serve", timeout=120)
        assert served.returncode == 2
        assert "did not create" in served.stderr and "process/process" in served.stderr
        for name, was in before.items():
            now = _deployment(api_url, name)
            assert now["paused"] is False and now["work_pool_name"] == "oversight-local"
            assert (now["updated"], now["pull_steps"], now["tags"]) == (was["updated"], was["pull_steps"],
                                                                       was["tags"])
    finally:
        if worker is not None:
            stop_tree(worker, (signal.SIGTERM, signal.SIGINT))
        stop_tree(server, (signal.SIGTERM,))




def test_status_lists_the_last_flow_runs_from_prefects_database_when_no_server_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env |= {"OVERSIGHT_HOME": str(tmp_path / "home"), "OVERSIGHT_BUS": "embedded"}
    ran = oversight(env, "process")
    assert ran.returncode == 0, ran.stderr[-3000:]
    status = oversight(env, "status", "--json")
    report = json.loads(status.stdout)["flow_runs"]
    assert report["from"].endswith("prefect.db")
    assert [(r["flow"], r["state"]) for r in report["runs"]] == [("process", "Completed")]
    table = oversight(env, "status").stdout
    assert "last flow runs" in table and "process" in table and "Completed" in table
