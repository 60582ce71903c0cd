-- The agency's events over time as the tagger gave them to it (corrections applied: one a correction took away
-- is not the agency's any more; rejected ones left out), newest first. The filter on tagged_agency_id reaches
-- the Parquet scan, where one on the corrected agency_id alone would run after joining every event to the
-- corrections; the few events a correction gave the agency come from web_agency_moved.sql. Their articles'
-- titles are read apart (web_article_titles.sql).
SELECT event_id, article_id, coalesce(published, landed_at) AS published, technology, vendor, action, review_state
FROM corrected_events
WHERE tagged_agency_id = $agency_id AND agency_id = $agency_id AND review_state <> 'rejected'
ORDER BY coalesce(published, landed_at) DESC, event_id
LIMIT $limit;
