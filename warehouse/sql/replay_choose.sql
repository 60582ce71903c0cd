-- Dead letters to replay: the ones named by id (even if replayed before), plus, when filtering, the ones
-- not replayed yet with the reason, stage and age asked for. Oldest first.
SELECT dead_letter_id, stage, source_topic, key, reason, payload, replayed_at IS NOT NULL AS replayed
FROM dead_letters
WHERE (dead_letter_id IN (SELECT unnest($ids::VARCHAR[]))
       OR ($by_filter AND replayed_at IS NULL
           AND ($reason::VARCHAR IS NULL OR reason = $reason) AND ($stage::VARCHAR IS NULL OR stage = $stage)
           AND ($failed_before::TIMESTAMPTZ IS NULL OR failed_at <= $failed_before)))
ORDER BY failed_at, dead_letter_id
