-- Record dead letters (registered as batch_dead_letters). The same id again is a redelivery and is ignored,
-- unless it failed after it was replayed: then it is waiting for a fix again.
INSERT INTO dead_letters BY NAME
SELECT dead_letter_id, stage, source_topic, key, reason, error, payload, source_offset, failed_at
FROM batch_dead_letters
ON CONFLICT (dead_letter_id) DO UPDATE SET
    failed_at = excluded.failed_at, error = excluded.error, replayed_at = NULL
    WHERE dead_letters.replayed_at IS NOT NULL AND excluded.failed_at > dead_letters.replayed_at;
