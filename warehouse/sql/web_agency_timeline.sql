-- The agency's events over time (corrections applied, rejected ones left out), newest first; their articles'
-- titles are read apart (web_article_titles.sql) for the few rows shown.
SELECT event_id, article_id, coalesce(published, landed_at) AS published, technology, vendor, action, review_state
FROM corrected_events
WHERE agency_id = $agency_id AND review_state <> 'rejected'
ORDER BY coalesce(published, landed_at) DESC, event_id
LIMIT $limit;
