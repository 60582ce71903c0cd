-- The review list: events (corrections applied) matching the filters, newest or most confident first.
-- A null filter matches everything; review: needs (needs_review), unreviewed, confirmed, corrected, rejected,
-- reviewed (confirmed or corrected); rejected events are listed only when asked for.
SELECT e.event_id, e.article_id, e.agency_id, e.agency, e.agency_state, e.technology, e.vendor_id, e.vendor,
       e.action, e.evidence, e.confidence, e.needs_review, e.review_state,
       coalesce(e.published, e.landed_at) AS published
FROM corrected_events e
WHERE ($technology IS NULL OR e.technology = $technology)
  AND ($state IS NULL OR e.agency_state = $state)
  AND ($agency_id IS NULL OR e.agency_id = $agency_id)
  AND ($vendor_id IS NULL OR e.vendor_id = $vendor_id)
  AND ($action IS NULL OR e.action = $action
       OR ($action = 'adoption' AND e.action IN ('uses', 'acquires', 'pilots')))
  AND ($week_from IS NULL OR (coalesce(e.published, e.landed_at) >= $week_from
                              AND coalesce(e.published, e.landed_at) < $week_to))
  AND CASE $review
        WHEN 'needs' THEN e.needs_review AND e.review_state = 'unreviewed'
        WHEN 'reviewed' THEN e.review_state IN ('confirmed', 'corrected')
        WHEN 'unreviewed' THEN e.review_state = 'unreviewed'
        WHEN 'confirmed' THEN e.review_state = 'confirmed'
        WHEN 'corrected' THEN e.review_state = 'corrected'
        WHEN 'rejected' THEN e.review_state = 'rejected'
        ELSE e.review_state <> 'rejected' END
ORDER BY CASE WHEN $sort = 'confidence' THEN e.confidence END DESC NULLS LAST,
         CASE WHEN $sort = 'confidence_asc' THEN e.confidence END ASC NULLS LAST,
         coalesce(e.published, e.landed_at) DESC, e.event_id
LIMIT $limit OFFSET $offset;
