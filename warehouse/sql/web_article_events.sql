-- Every event of an article (corrections applied, rejected ones too).
SELECT event_id, agency, agency_state, technology, vendor, action, confidence, review_state
FROM corrected_events WHERE article_id = $article_id
ORDER BY agency, technology;
