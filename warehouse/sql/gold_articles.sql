-- Reviewed articles for the gold set: every event reviewed (none left unreviewed), or judged as a whole.
WITH reviewed AS (
    SELECT article_id FROM corrected_events GROUP BY article_id
    HAVING bool_and(review_state <> 'unreviewed')
    UNION
    SELECT article_id FROM corrections WHERE event_id IS NULL AND field = 'review'
)
SELECT a.article_id, a.url, a.title, a.text, strftime(a.published AT TIME ZONE 'UTC', '%Y-%m-%d') AS published
FROM articles a JOIN reviewed r USING (article_id)
WHERE a.status = 'ok'
ORDER BY a.article_id;
