"""Past states of the lake for reproducible research: digests that record (and cite) the snapshot they read,
rebuilt from it byte for byte, and the list of snapshots a researcher can go back to."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from oversight.schemas.settings import LakeLocation
from oversight.warehouse import db
from oversight.warehouse.lake import AsOf


def cite(location: LakeLocation, week: str, snapshot: int) -> None:
    """Record that a digest of `week` was built from `snapshot` (maintenance keeps every cited snapshot)."""
    with db.writer(location) as con:
        db.transaction(con, lambda: con.execute(db.sql("cite_snapshot"), {"week": week, "snapshot": snapshot}),
                       "cite snapshot")


def cited(location: LakeLocation) -> set[int]:
    """The snapshot ids some digest was built from."""
    with db.reader(location) as con:
        return {int(row[0]) for row in con.execute("SELECT DISTINCT snapshot_id FROM digest_snapshots").fetchall()}


def write_cited_digest(location: LakeLocation, week: str | None, out_dir: Path, as_of: AsOf = None,
                       web_url: str | None = None) -> tuple[list[Path], int]:
    """Write a week's digest from one snapshot of the lake (the latest, or `as_of`) and cite that snapshot;
    return the files and the snapshot id. The digest states its snapshot, so the same call with
    `as_of=<that id>` writes the same bytes however much landed since (`web_url`: see `write_digest`)."""
    from oversight.warehouse.digest import write_digest

    with db.snapshot_reader(location, as_of) as con:
        snapshot = db.current_snapshot(con)
        paths = write_digest(con, week, out_dir, web_url)
    cite(location, paths[0].stem.removeprefix("digest-"), snapshot)
    return paths, snapshot


def list_snapshots(location: LakeLocation, limit: int = 50) -> list[tuple[int, datetime, str, str | None]]:
    """(id, time, changes, weeks of the digests citing it) of the newest snapshots, newest first."""
    with db.reader(location) as con:
        return [(int(r[0]), r[1], str(r[2]), r[3]) for r in
                con.execute(db.sql("list_snapshots"), {"limit": limit}).fetchall()]
