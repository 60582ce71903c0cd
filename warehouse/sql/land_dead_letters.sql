-- Record dead letters (registered as batch_dead_letters); a repeat of the same id is ignored.
INSERT INTO dead_letters BY NAME
SELECT dead_letter_id, stage, source_topic, key, reason, error, payload, source_offset, failed_at
FROM batch_dead_letters
ON CONFLICT (dead_letter_id) DO NOTHING;
