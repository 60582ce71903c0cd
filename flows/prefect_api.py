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


_SERVER: _Server | None = None


def start_in_background() -> None:
    """Spawn the temporary API unless one runs already or a Prefect server is configured."""
    global _SERVER
    if _SERVER is None and not os.environ.get("PREFECT_API_URL"):
        _SERVER = _spawn()


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


def wait_ready(timeout: float | None = None) -> None:
    """Block until the API answers, then point Prefect at it (no-op when it was not started here)."""
    global _SERVER
    if _SERVER is None:
        return
    timeout = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60"))
    deadline = time.monotonic() + timeout
    while not healthy(_SERVER.api_url):
        code = _SERVER.process.poll()
        if code == _STARTUP_FAILED and _SERVER.retries < _PORT_RETRIES and _port_taken(_SERVER.port):
            _SERVER = _spawn(_SERVER.retries + 1)
        elif code is not None:
            raise RuntimeError(f"Prefect's temporary API exited with code {code} before it answered "
                               f"(PREFECT_HOME={os.environ.get('PREFECT_HOME')}); see its error above")
        elif time.monotonic() > deadline:
            raise RuntimeError(f"Prefect's temporary API did not answer on {_SERVER.api_url} within {timeout:.0f} s "
                               "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
        time.sleep(0.05)
    use_api_url(_SERVER.api_url)


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@contextlib.contextmanager
def flow_settings() -> Iterator[None]:
    """Prefect settings for a flow run against the temporary API: no flow-run heartbeats.

    A sync flow joins its heartbeat thread at exit, which sleeps in 1 s steps (~1 s per run), and heartbeats
    only serve to detect crashed runs on a lasting server; a temporary API ends with this process.
    """
    if _SERVER is None:
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


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


def stop_soon() -> None:
    """Stop the API now (its graceful stop overlaps the rest of the exit) and forget it for this process."""
    global _SERVER
    if _SERVER is None:
        return
    server, _SERVER = _SERVER, None
    if os.environ.get("PREFECT_API_URL") == server.api_url:
        use_api_url(None)
    if server.process.poll() is None:
        server.process.terminate()  # reaped at exit


def _reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
