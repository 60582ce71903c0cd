"""Process environment that must be set before Prefect, newspaper or tldextract are imported."""

from __future__ import annotations

import os
from pathlib import Path

# Offline and quiet: no telemetry, no public-suffix-list download, bounded task threads.
_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS": "4",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


def prepare_environment() -> None:
    """Set offline-safe defaults (explicit environment values win) and a per-project PREFECT_HOME."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
    if "PREFECT_HOME" not in os.environ:
        prefect_home = Path(os.environ.get("OVERSIGHT_HOME", ".oversight")) / "prefect"
        prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect warns, and falls back, when it is missing
        os.environ["PREFECT_HOME"] = str(prefect_home.resolve())
