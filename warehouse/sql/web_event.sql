-- One event (corrections applied) for the event page; its article is read apart (web_article.sql), so that
-- finding the one event does not drag every article's text through a join.
SELECT event_id, article_id, agency_id, agency, agency_state, technology, vendor_id, vendor, action, evidence,
       evidence_start, evidence_end, confidence, needs_review, review_state, reviewed_by, reviewed_at,
       coalesce(published, landed_at) AS published
FROM corrected_events
WHERE event_id = $event_id;
