"""The process environment Prefect, newspaper and tldextract must find when they are imported.

Set where a process starts, never at import: the CLI's callback before each command (`oversight serve` hands it
to the flow runs it starts), prefect.yaml's deployment `env` for a Prefect worker's flow runs (a test keeps it
equal to OFFLINE_DEFAULTS), the tests' conftest.
"""

from __future__ import annotations

import os
from pathlib import Path

# Offline and quiet: no telemetry, no public-suffix-list download, bounded task threads.
OFFLINE_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS": "4",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


def prepare_environment() -> None:
    """Set offline-safe defaults (explicit environment values win) and a per-project PREFECT_HOME."""
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if "PREFECT_HOME" not in os.environ:
        prefect_home = Path(os.environ.get("OVERSIGHT_HOME", ".oversight")) / "prefect"
        prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect warns, and falls back, when it is missing
        os.environ["PREFECT_HOME"] = str(prefect_home.resolve())
