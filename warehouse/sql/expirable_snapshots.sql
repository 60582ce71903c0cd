-- Snapshots maintenance may expire: older than $before, not the latest, and cited by no digest.
SELECT s.snapshot_id FROM ducklake_snapshots('lake') s
WHERE s.snapshot_time < $before
  AND s.snapshot_id < (SELECT max(snapshot_id) FROM ducklake_snapshots('lake'))
  AND s.snapshot_id NOT IN (SELECT snapshot_id FROM digest_snapshots)
ORDER BY s.snapshot_id;
