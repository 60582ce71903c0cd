"""Prefect's temporary local API, started at CLI entry so its ~4 s boot overlaps the CLI's own start-up.

Without PREFECT_API_URL, Prefect starts a uvicorn subprocess on the first flow call and waits for it; to
get there it imports `prefect.server` (FastAPI, SQLAlchemy, every route: ~2-4 s of CPU) in the calling
process first. Here the same command (`prefect.server.api.server.SubprocessASGIServer._run_uvicorn_command`
in Prefect 3.9) is spawned before anything heavy is imported, and the flow is pointed at it through
PREFECT_API_URL once it answers. With PREFECT_API_URL already set (a running Prefect server), nothing starts.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# uvicorn exits with 3 when it cannot start; if our port was taken between our choice and its bind (the only
# cause worth a retry), another port is tried, at most this many times.
_STARTUP_FAILED = 3
_PORT_RETRIES = 2
_PR_SET_PDEATHSIG = 1


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    port: int
    retries: int = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


class TemporaryApi:
    """Prefect's temporary API for one command: `with TemporaryApi() as api:` spawns it (unless PREFECT_API_URL
    names a server already), `api.wait_ready()` points Prefect at it once it answers, and the end of the block
    stops it and forgets its URL."""

    def __init__(self) -> None:
        self._server: _Server | None = None

    @property
    def api_url(self) -> str | None:
        """The URL of the API this object started, if it started one."""
        return self._server.api_url if self._server else None

    def start(self) -> None:
        """Spawn the API unless this object runs one already or a Prefect server is configured."""
        if self._server is None and not os.environ.get("PREFECT_API_URL"):
            self._server = _spawn()

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the API answers, then point Prefect at it (no-op when none was started)."""
        if self._server is None:
            return
        timeout = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60"))
        deadline = time.monotonic() + timeout
        while not healthy(self._server.api_url):
            code = self._server.process.poll()
            if code == _STARTUP_FAILED and self._server.retries < _PORT_RETRIES and _port_taken(self._server.port):
                self._server = _spawn(self._server.retries + 1)
            elif code is not None:
                raise RuntimeError(f"Prefect's temporary API exited with code {code} before it answered "
                                   f"(PREFECT_HOME={os.environ.get('PREFECT_HOME')}); see its error above")
            elif time.monotonic() > deadline:
                raise RuntimeError(f"Prefect's temporary API did not answer on {self._server.api_url} within "
                                   f"{timeout:.0f} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
            time.sleep(0.05)
        use_api_url(self._server.api_url)

    @contextlib.contextmanager
    def flow_settings(self) -> Iterator[None]:
        """Prefect settings for a flow run against this API: no flow-run heartbeats.

        A sync flow joins its heartbeat thread at exit, which sleeps in 1 s steps (~1 s per run), and
        heartbeats only serve to detect crashed runs on a lasting server; a temporary API ends with its command.
        """
        if self._server is None:
            yield
            return
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield

    def stop(self) -> None:
        """Stop the API now (its graceful stop overlaps the rest of the exit; it is reaped at exit)."""
        server, self._server = self._server, None
        if server is None:
            return
        if os.environ.get("PREFECT_API_URL") == server.api_url:
            use_api_url(None)
        if server.process.poll() is None:
            server.process.terminate()

    def __enter__(self) -> TemporaryApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when the CLI dies, even by SIGKILL (no orphans)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(retries: int = 0) -> _Server:
    spec = importlib.util.find_spec("prefect")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Prefect is not installed in this environment (pip install prefect)")
    app_dir = Path(next(iter(spec.submodule_search_locations))).parent
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
         "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        # Registering Prefect's block types imports every block module (~1 s) on each start; these flows use none.
        env={"PREFECT_API_BLOCKS_REGISTER_ON_START": "false", **os.environ,
             "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
        preexec_fn=die_with_parent if sys.platform == "linux" else None,  # spawned before the CLI starts threads
    )
    atexit.register(_reap, process)
    return _Server(process, port, retries)


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def use_api_url(url: str | None) -> None:
    """Set (or clear) PREFECT_API_URL for this process, including Prefect's settings if already imported."""
    if url is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = url
    if "prefect.context" in sys.modules:
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def _reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
