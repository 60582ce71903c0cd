"""Keeping the lake small while it grows: merge small files, expire old snapshots, delete unreferenced files.

Every landing commit writes its own small Parquet files (and, with a PostgreSQL catalog, inlines small ones in
the catalog), so without this the files per table grow with the number of batches ever landed, and every
view reads them all. Each step is a DuckLake transaction of its own: landing and reading go on meanwhile
(a landing that overlaps a rewrite conflicts at commit and is retried), and a kill between or inside steps
leaves the lake as the last committed step left it (files a killed step wrote are orphans, deleted by a later
run). Snapshots a digest cites are never expired, so every digest can still be rebuilt `--as-of` its snapshot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db

log = logging.getLogger(__name__)


@dataclass
class MaintenanceReport:
    """What one maintenance run did, and the live data files per table before and after it."""

    files_before: dict[str, int] = field(default_factory=dict)
    files_after: dict[str, int] = field(default_factory=dict)
    flushed_tables: int = 0
    merged_files: int = 0
    expired_snapshots: int = 0
    deleted_files: int = 0
    orphans_deleted: int = 0

    def summary(self) -> str:
        before, after = sum(self.files_before.values()), sum(self.files_after.values())
        return (f"data files {before} -> {after}; {self.merged_files} merged, {self.flushed_tables} table(s) "
                f"flushed from the catalog, {self.expired_snapshots} snapshot(s) expired, "
                f"{self.deleted_files} old and {self.orphans_deleted} orphaned file(s) deleted")


def files_per_table(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Live Parquet data files of each table of the lake."""
    return {str(name): int(n) for name, n in con.execute(db.sql("files_per_table")).fetchall()}


def maintain(location: LakeLocation, keep_days: float, grace: timedelta) -> MaintenanceReport:
    """Flush inlined rows, merge small files, expire snapshots older than `keep_days` (never a cited one or
    the latest), then delete files unreferenced for longer than `grace` (a reader or an uncommitted landing
    may still use younger ones)."""
    try:
        report = _maintain(location, keep_days, grace)
    except duckdb.Error as exc:
        raise db.WarehouseError(f"maintenance of the warehouse {location.shown} stopped: {exc} (what it had "
                                "committed stays; run it again)") from exc
    log.info("maintenance of %s: %s", location.shown, report.summary())
    return report


def _maintain(location: LakeLocation, keep_days: float, grace: timedelta) -> MaintenanceReport:
    report = MaintenanceReport()
    with db.writer(location, shared=False) as con:
        report.files_before = files_per_table(con)
        report.flushed_tables = _step(con, "CALL ducklake_flush_inlined_data('lake')", "flush inlined data")
        report.merged_files = sum(int(str(row[2])) for row in _rows(
            con, "CALL ducklake_merge_adjacent_files('lake')", "merge adjacent files"))
        before = datetime.now(UTC) - timedelta(days=keep_days)
        expirable = [int(r[0]) for r in con.execute(db.sql("expirable_snapshots"), {"before": before}).fetchall()]
        if expirable:
            report.expired_snapshots = _step(
                con, "SELECT * FROM ducklake_expire_snapshots('lake', versions => ?)", "expire snapshots",
                [expirable])
        older_than = datetime.now(UTC) - grace
        # Deleting files only touches files no snapshot references: not fenced, and never rerun half-way.
        report.deleted_files = len(con.execute("SELECT * FROM ducklake_cleanup_old_files('lake', older_than => ?)",
                                               [older_than]).fetchall())
        report.orphans_deleted = len(con.execute(
            "SELECT * FROM ducklake_delete_orphaned_files('lake', older_than => ?)", [older_than]).fetchall())
        report.files_after = files_per_table(con)
    return report


def _rows(con: duckdb.DuckDBPyConnection, statement: str, what: str,
          params: list[object] | None = None) -> list[tuple[object, ...]]:
    # Not fenced: DuckLake refuses a transaction that both changes rows and compacts, and checks a compaction
    # against concurrent commits itself (a conflicting one fails and is rerun here).
    return db.transaction(con, lambda: con.execute(statement, params or []).fetchall(), what, fenced=False)


def _step(con: duckdb.DuckDBPyConnection, statement: str, what: str, params: list[object] | None = None) -> int:
    return len(_rows(con, statement, what, params))
