-- The agency's events over time (corrections applied; rejected ones and syndicated copies left out), newest
-- first, with their articles.
SELECT e.event_id, coalesce(e.published, e.landed_at) AS published, e.technology, e.vendor, e.action,
       e.review_state, a.title, a.outlet
FROM corrected_events e LEFT JOIN articles a ON a.article_id = e.article_id
WHERE e.agency_id = $agency_id AND e.review_state <> 'rejected' AND a.duplicate_of IS NULL
ORDER BY coalesce(e.published, e.landed_at) DESC, e.event_id
LIMIT $limit;
