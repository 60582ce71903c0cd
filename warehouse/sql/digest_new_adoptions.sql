-- Agency x technology pairs first reported (as used, acquired or piloted) in the week, each with whether its
-- event needs review (any copy of the story confident or reviewed makes it confident; unflagged rows count as
-- unconfirmed), and the event's id last (the original's event when it has one) for its page link.
SELECT coalesce(r.needs_review, true) AS needs_review,
       n.agency, n.agency_state, n.technology, n.vendor, n.action,
       strftime(n.first_seen AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, n.evidence, n.url, r.event_id
FROM new_adoptions n
LEFT JOIN (
    SELECT coalesce(c.story_id, e.article_id) AS story_id, e.agency_id, e.technology,
           bool_and(e.needs_review) AS needs_review, arg_min(e.event_id, c.story_id IS NOT NULL) AS event_id
    FROM corrected_events e LEFT JOIN syndicated_copies c USING (article_id)
    WHERE e.review_state <> 'rejected'
    GROUP BY ALL
) r ON r.story_id = n.article_id AND r.agency_id = n.agency_id AND r.technology = n.technology
WHERE n.week_start = $week
ORDER BY n.first_seen, n.agency, n.technology, n.url;
