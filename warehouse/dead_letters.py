"""Dead letters in the warehouse as replay and status read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from oversight.warehouse.db import sql, transaction


@dataclass(frozen=True)
class Letter:
    """A dead-letter row as replay needs it."""

    dead_letter_id: str
    stage: str
    source_topic: str
    key: str | None
    reason: str
    payload: str
    replayed: bool


def choose(con: duckdb.DuckDBPyConnection, ids: Sequence[str], reason: str | None, stage: str | None,
           everything: bool, failed_before: datetime | None = None) -> list[Letter]:
    """Letters named by id (even if replayed before), plus the not-yet-replayed ones matching the filters."""
    by_filter = everything or reason is not None or stage is not None
    rows = con.execute(sql("replay_choose"), {"ids": list(ids), "by_filter": by_filter, "reason": reason,
                                              "stage": stage, "failed_before": failed_before}).fetchall()
    return [Letter(*row) for row in rows]


def mark_replayed(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    transaction(con, lambda: con.execute(sql("replay_mark"), {"ids": list(ids)}), "replay")


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(dead letters, replayed ones)."""
    row = con.execute(sql("dead_letter_counts")).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
