-- Another event of the same article, not rejected, already about this agency and technology.
SELECT event_id FROM corrected_events
WHERE article_id = $article_id AND event_id <> $event_id AND agency_id = $agency_id AND technology = $technology
  AND review_state <> 'rejected';
