-- The events that stand after review (rejected ones left out) of the given articles.
SELECT article_id, agency, agency_state, technology, vendor, action, review_state
FROM corrected_events
WHERE article_id IN (SELECT unnest($article_ids)) AND review_state <> 'rejected'
ORDER BY article_id, agency, technology;
