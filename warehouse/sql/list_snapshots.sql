-- The lake's snapshots, newest first, with what changed and which digests cite each one.
SELECT s.snapshot_id, s.snapshot_time, s.changes::VARCHAR AS changes,
       (SELECT string_agg(d.week, ', ' ORDER BY d.week) FROM digest_snapshots d
        WHERE d.snapshot_id = s.snapshot_id) AS cited_by
FROM ducklake_snapshots('lake') s
ORDER BY s.snapshot_id DESC
LIMIT $limit;
