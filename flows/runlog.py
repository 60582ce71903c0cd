"""The run log: one JSON line per command run with its outcome counts, under OVERSIGHT_HOME.

Kept outside the warehouse so that a run which finds nothing new adds no row to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from oversight.schemas.settings import Settings


def runlog_path(settings: Settings) -> Path:
    return settings.home / "runs.jsonl"


def record_run(settings: Settings, command: str, started: datetime, outcomes: Mapping[str, int],
               summary: str) -> None:
    """Append a run's outcome counts (one line, written in one call so lines never interleave)."""
    line = json.dumps({"command": command, "started_at": started.isoformat(),
                       "finished_at": datetime.now(UTC).isoformat(), "outcomes": dict(outcomes),
                       "summary": summary}, sort_keys=True)
    path = runlog_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def last_runs(settings: Settings, n: int = 5) -> list[dict[str, object]]:
    """The last `n` runs, newest last; unreadable lines are skipped."""
    path = runlog_path(settings)
    if not path.exists():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines()[-n:]:
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return runs
