-- Record dead letters (registered as batch_dead_letters), keyed on dead_letter_id. The same id again is a
-- redelivery and is ignored, unless it failed after it was replayed: then it is waiting for a fix again.
MERGE INTO dead_letters USING batch_dead_letters b ON dead_letters.dead_letter_id = b.dead_letter_id
WHEN MATCHED AND dead_letters.replayed_at IS NOT NULL AND b.failed_at > dead_letters.replayed_at THEN
    UPDATE SET failed_at = b.failed_at, error = b.error, replayed_at = NULL
WHEN NOT MATCHED THEN INSERT (
    dead_letter_id, stage, source_topic, key, reason, error, payload, source_offset, failed_at)
VALUES (b.dead_letter_id, b.stage, b.source_topic, b.key, b.reason, b.error, b.payload, b.source_offset,
        b.failed_at);
