-- Those of the events in $event_ids (web_agency_moved_ids.sql) that are the agency's now, for its timeline
-- beside web_agency_timeline.sql's (another correction may have taken one away again).
SELECT event_id, article_id, coalesce(published, landed_at) AS published, technology, vendor, action, review_state
FROM corrected_events
WHERE event_id IN (SELECT unnest($event_ids))
  AND tagged_agency_id <> $agency_id AND agency_id = $agency_id AND review_state <> 'rejected'
ORDER BY coalesce(published, landed_at) DESC, event_id
LIMIT $limit;
