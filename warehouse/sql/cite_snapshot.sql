-- Record that a digest of $week was built from snapshot $snapshot (once per pair).
MERGE INTO digest_snapshots USING (SELECT $week AS week, $snapshot::BIGINT AS snapshot_id) c
ON digest_snapshots.week = c.week AND digest_snapshots.snapshot_id = c.snapshot_id
WHEN NOT MATCHED THEN INSERT (week, snapshot_id, built_at) VALUES (c.week, c.snapshot_id, now());
