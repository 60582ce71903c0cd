"""The oversight warehouse (a DuckLake); `connect()` opens it read-only for a notebook or script."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def connect(home: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection with the lake attached (as `lake`, the default database) and its views ready.

    `home` is the OVERSIGHT_HOME folder (default: the OVERSIGHT_* settings, else ./.oversight). The connection
    never blocks landing and landing never blocks it; close it when done.
    """
    from oversight.schemas.settings import load_settings
    from oversight.warehouse import db, lake

    settings = load_settings(home=Path(home)) if home is not None else load_settings()
    if not lake.exists(settings.lake):
        raise db.missing_lake(settings.lake)
    return lake.connect(settings.lake, read_only=True)
