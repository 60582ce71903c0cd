-- Record one correction (values checked by warehouse.review before).
INSERT INTO corrections (correction_id, article_id, event_id, field, old_value, new_value, reviewer, corrected_at, note)
VALUES ($correction_id, $article_id, $event_id, $field, $old_value, $new_value, $reviewer, $corrected_at, $note);
