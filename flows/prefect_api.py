"""Prefect's temporary local API, booted in the background so its start-up overlaps the CLI's own.

Without PREFECT_API_URL, Prefect starts a uvicorn subprocess on the first flow call and waits ~4-8 s for
it. Starting that same singleton in a thread at CLI entry lets imports, settings, feed registration and
the sample server happen meanwhile; the flow then finds it running.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger("oversight")
_THREAD: threading.Thread | None = None
_ERROR: list[BaseException] = []


def start_in_background() -> None:
    """Begin booting the temporary API unless a real Prefect server is configured."""
    global _THREAD
    if _THREAD is not None or os.environ.get("PREFECT_API_URL"):
        return
    _THREAD = threading.Thread(target=_boot, name="prefect-api", daemon=True)
    _THREAD.start()


def _boot() -> None:
    try:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()
    except BaseException as exc:  # re-raised in the main thread by wait_ready()
        _ERROR.append(exc)


def wait_ready() -> None:
    """Block until the API answers (no-op when it was not started here)."""
    if _THREAD is not None:
        _THREAD.join()
    if _ERROR:
        raise RuntimeError(f"Prefect's temporary API did not start: {_ERROR[0]}") from _ERROR[0]


def stop_soon() -> None:
    """Ask the API to shut down now, so its ~1 s graceful stop overlaps the rest of the exit."""
    if _THREAD is None:
        return
    from prefect.server.api.server import SubprocessASGIServer

    process = SubprocessASGIServer().server_process
    if process is not None and process.poll() is None:
        process.terminate()  # Prefect's own atexit hook still waits for it and reaps it
