"""`oversight serve`: the prefect.yaml schedules on one machine, with nothing else installed.

Prefect's temporary API (what `oversight run` starts) has no scheduler, so schedules served against it never
fire. `serve` instead starts Prefect's own server, with its scheduler services and UI, on a loopback port
under OVERSIGHT_HOME, serves the deployments against it with a Prefect Runner, and on Ctrl-C or SIGTERM stops
the runner (cancelling a run in progress), then the server: nothing is left behind.

With PREFECT_API_URL set (a team's server), nothing is started and the deployments are served there, but never
over deployments that `prefect deploy` made (those belong to a worker): `serve` refuses and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from oversight.flows.prefect_api import die_with_parent, healthy

# Deployments that `oversight serve` created carry this tag; any other deployment of the same name is not ours.
SERVE_TAG = "oversight-serve"


class ServeError(RuntimeError):
    """`oversight serve` cannot start: the message says why and what to do."""


def deployment_specs(prefect_yaml: Path) -> list[dict[str, Any]]:
    """The `deployments` of prefect.yaml, as written."""
    import yaml

    try:
        specs = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8")).get("deployments") or []
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise ServeError(f"cannot read deployments from {prefect_yaml}: {exc}") from exc
    return [dict(s) for s in specs]


def load_entrypoint(entrypoint: str) -> Any:
    """The flow object named by a prefect.yaml entrypoint like flows/pipeline.py:process."""
    import importlib

    path, _, name = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def _schedule(entry: dict[str, Any]) -> Any:
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import construct_schedule

    if "interval" in entry:  # seconds, as in prefect.yaml
        schedule = construct_schedule(interval=timedelta(seconds=float(entry["interval"])),
                                      timezone=entry.get("timezone"))
    else:
        schedule = construct_schedule(cron=entry["cron"], timezone=entry.get("timezone"))
    return DeploymentScheduleCreate(schedule=schedule)


def served_deployments(prefect_yaml: Path) -> list[Any]:
    """RunnerDeployments built from prefect.yaml: same names, schedules, parameters, concurrency, retries."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig

    deployments = []
    for spec in deployment_specs(prefect_yaml):
        env = ((spec.get("work_pool") or {}).get("job_variables") or {}).get("env") or {}
        flow = load_entrypoint(spec["entrypoint"]).with_options(
            retries=int(env.get("PREFECT_FLOWS_DEFAULT_RETRIES", 0)),
            retry_delay_seconds=float(env.get("PREFECT_FLOWS_DEFAULT_RETRY_DELAY_SECONDS", 0)),
        )
        limit = spec.get("concurrency_limit")
        deployments.append(flow.to_deployment(
            name=spec["name"], schedules=[_schedule(s) for s in spec.get("schedules") or []],
            parameters=spec.get("parameters") or {}, description=spec.get("description"),
            tags=[*(spec.get("tags") or []), SERVE_TAG], paused=False,
            concurrency_limit=ConcurrencyLimitConfig(**limit) if isinstance(limit, dict) else limit,
        ))
    return deployments


def describe(deployment: Any) -> str:
    """`process (every 300 s)` / `poll (*/15 * * * *)`."""
    whens = []
    for s in deployment.schedules or []:
        cron, interval = getattr(s.schedule, "cron", None), getattr(s.schedule, "interval", None)
        whens.append(cron if cron else f"every {interval.total_seconds():g} s" if interval else str(s.schedule))
    return f"{deployment.name} ({', '.join(whens) or 'manual runs only'})"


@dataclass
class LocalServer:
    """Prefect's server (API, UI, scheduler) as a child process, in its own session so Ctrl-C in the terminal
    reaches only `serve`, which stops it last, after the runner has paused its schedules through it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, grace_s: float = 8.0) -> None:
        """Send what this process still holds for the API (logs, events), then stop the server."""
        _drain_prefect_queues()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _drain_prefect_queues(timeout_s: float = 3.0) -> None:
    """Flush Prefect's background log and event queues now, while the API still answers: at exit they would
    retry against a stopped server for seconds and print 'Error logging to API'."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for service in (APILogWorker, EventsWorker):
        service.drain_all(timeout=timeout_s, at_exit=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_port(port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ServeError(f"port 127.0.0.1:{port} for Prefect's server is taken ({exc.strerror}): set "
                             "OVERSIGHT_SERVE_PORT to a free port (0 picks one), or point PREFECT_API_URL at "
                             "the Prefect server already there") from exc


def start_local_server(prefect_home: Path, port: int, timeout_s: float = 90.0) -> LocalServer:
    """Start `prefect server start` on 127.0.0.1 with its database under `prefect_home`; wait until it answers."""
    port = port or _free_port()
    _check_port(port)
    prefect_home.mkdir(parents=True, exist_ok=True)
    log_path = prefect_home / "server.log"
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_BLOCKS_REGISTER_ON_START": "false"}
    env.pop("PREFECT_API_URL", None)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )
    server = LocalServer(process, port, log_path)
    deadline = time.monotonic() + timeout_s
    while not healthy(server.api_url):
        if process.poll() is not None:
            raise ServeError(f"Prefect's server exited with code {process.returncode} before it answered; "
                             f"its log: {log_path}")
        if time.monotonic() > deadline:
            server.stop()
            raise ServeError(f"Prefect's server did not answer on {server.api_url} within {timeout_s:.0f} s; "
                             f"its log: {log_path}")
        time.sleep(0.2)
    return server


def foreign_deployments(deployments: list[Any]) -> list[str]:
    """Deployments on the configured server with our names that `oversight serve` did not create."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async def read() -> list[str]:
        found = []
        async with get_client() as client:
            for d in deployments:
                try:
                    existing = await client.read_deployment_by_name(f"{d.flow_name}/{d.name}")
                except ObjectNotFound:
                    continue
                if SERVE_TAG not in (existing.tags or []):
                    pool = f", work pool {existing.work_pool_name}" if existing.work_pool_name else ""
                    found.append(f"{d.flow_name}/{d.name}{pool}")
        return found

    return asyncio.run(read())


def state_file(prefect_home: Path) -> Path:
    """Where a running `serve` says which API it serves against (read by `oversight status`)."""
    return prefect_home / "serve.json"


@contextlib.contextmanager
def advertised(prefect_home: Path, api_url: str, ui_url: str | None) -> Iterator[None]:
    path = state_file(prefect_home)
    path.write_text(json.dumps({"pid": os.getpid(), "api_url": api_url, "ui_url": ui_url}), encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def run_runner(deployments: list[Any]) -> None:
    """Serve the deployments until SIGINT or SIGTERM: either one stops the runner gracefully and quietly
    (a run in progress is cancelled, the schedules paused), with no KeyboardInterrupt traceback."""
    from prefect.runner import Runner

    runner = Runner(name="oversight-serve", pause_on_shutdown=True)
    for deployment in deployments:
        runner.add_deployment(deployment)

    def stop(signum: int, frame: FrameType | None) -> None:
        if runner.stopping:  # a second Ctrl-C: stop waiting for the graceful path
            raise SystemExit(128 + signum)
        runner.handle_sigterm()  # Runner.start installs the same handler for SIGTERM

    previous = signal.signal(signal.SIGINT, stop)
    try:
        asyncio.run(runner.start())
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass(frozen=True)
class FlowRunRow:
    """One flow run as `oversight status` shows it."""

    flow: str
    name: str
    state: str
    when: str  # start time, or the expected start of a run that has not started
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"flow": self.flow, "name": self.name, "state": self.state, "when": self.when,
                "message": self.message}


async def _api_flow_runs(n: int, tag: str | None = None, since: datetime | None = None) -> list[FlowRunRow]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    run_filter = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED])),
        tags=FlowRunFilterTags(all_=[tag]) if tag else None,
        start_time=FlowRunFilterStartTime(after_=since) if since else None,  # type: ignore[arg-type]
    )
    async with get_client() as client:
        runs = await client.read_flow_runs(flow_run_filter=run_filter, limit=n,
                                           sort=FlowRunSort.EXPECTED_START_TIME_DESC)
        flows = {f.id: f.name for f in await client.read_flows(limit=200)}
    return [FlowRunRow(flows.get(r.flow_id, "?"), r.name, r.state_name or "?",
                       (r.start_time or r.expected_start_time or r.created or datetime.min).isoformat()[:19],
                       (r.state.message or "") if r.state else "") for r in runs]


def run_counts(since: datetime) -> str:
    """`completed=3 cancelled=1`: the runs this `serve` started, by state, from the API it served against."""
    rows = asyncio.run(_api_flow_runs(200, SERVE_TAG, since))  # the API caps a page at 200
    counts = Counter(r.state.lower() for r in rows)
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


# Prefect's own database (pinned prefect==3.9.1), read directly when no API is up: status must stay instant.
_DB_RUNS = """
SELECT f.name, r.name, coalesce(r.state_name, '?'), coalesce(r.start_time, r.expected_start_time, r.created),
       coalesce(s.message, '')
FROM flow_run r JOIN flow f ON f.id = r.flow_id LEFT JOIN flow_run_state s ON s.id = r.state_id
WHERE r.state_type IS NULL OR r.state_type != 'SCHEDULED'
ORDER BY coalesce(r.start_time, r.expected_start_time, r.created) DESC LIMIT ?
"""


def _db_flow_runs(db_path: Path, n: int) -> list[FlowRunRow]:
    if not db_path.exists():
        return []
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=2)
    try:
        rows = con.execute(_DB_RUNS, (n,)).fetchall()
    finally:
        con.close()
    return [FlowRunRow(str(f), str(name), str(state), str(when)[:19].replace(" ", "T"), str(msg))
            for f, name, state, when, msg in rows]


def serving_api(prefect_home: Path) -> str | None:
    """The API a running `oversight serve` of this home serves against, if one runs."""
    try:
        info = json.loads(state_file(prefect_home).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    api = str(info.get("api_url") or "")
    return api if api and healthy(api) else None


def last_flow_runs(prefect_home: Path, n: int = 8) -> tuple[str, list[FlowRunRow]]:
    """The last flow runs, scheduled or manual, newest first, and where they were read from.

    From the Prefect API in use (PREFECT_API_URL, or a running `oversight serve`), else from the Prefect
    database under PREFECT_HOME (where `oversight run` records its runs when no server is set).
    """
    api = os.environ.get("PREFECT_API_URL") or serving_api(prefect_home)
    if api:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: api}):
            return api, asyncio.run(_api_flow_runs(n))
    db_path = prefect_home / "prefect.db"
    return str(db_path), _db_flow_runs(db_path, n)
