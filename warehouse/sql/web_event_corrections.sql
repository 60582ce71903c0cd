-- The corrections of an event, and the verdicts on its whole article, oldest first.
SELECT field, old_value, new_value, reviewer, corrected_at, note, event_id IS NULL AS whole_article
FROM corrections
WHERE event_id = $event_id OR (event_id IS NULL AND article_id = $article_id)
ORDER BY corrected_at, correction_id;
