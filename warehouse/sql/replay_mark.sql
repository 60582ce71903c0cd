-- Mark dead letters replayed (after the bus has them again).
UPDATE dead_letters SET replayed_at = now() WHERE dead_letter_id IN (SELECT unnest($ids::VARCHAR[]))
