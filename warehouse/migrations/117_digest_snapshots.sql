-- Which lake snapshot each digest was built from: `oversight digest --as-of` rebuilds it byte for byte, and
-- maintenance never expires a snapshot cited here. (Numbered after the issue that added it, 17, so that it
-- cannot collide with migrations written at the same time.)

CREATE TABLE digest_snapshots (
    week VARCHAR NOT NULL,
    snapshot_id BIGINT NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE digest_snapshots IS 'One row per (digest week, lake snapshot) a digest was built from; the snapshots listed here are kept by maintenance so that `oversight digest --week W --as-of SNAPSHOT` can rebuild the digest exactly.';
COMMENT ON COLUMN digest_snapshots.week IS 'ISO week of the digest, YYYY-Www.';
COMMENT ON COLUMN digest_snapshots.snapshot_id IS 'Id of the lake snapshot the digest read (ducklake_snapshots); its digest states it too.';
COMMENT ON COLUMN digest_snapshots.built_at IS 'When a digest of this week was first built from this snapshot (UTC).';
