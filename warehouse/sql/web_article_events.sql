-- Every event (corrections applied, rejected ones too) of the article an event was found in, that event
-- included: one lookup serves the event and its article's other events. The article itself is read apart
-- (web_article.sql), so that finding the events does not drag every article's text through a join.
SELECT event_id, article_id, agency_id, agency, agency_state, technology, vendor_id, vendor, action, evidence,
       evidence_start, evidence_end, confidence, needs_review, review_state, reviewed_by, reviewed_at,
       coalesce(published, landed_at) AS published
FROM corrected_events
WHERE article_id IN (SELECT article_id FROM events WHERE event_id = $event_id)
ORDER BY agency, technology, event_id;
