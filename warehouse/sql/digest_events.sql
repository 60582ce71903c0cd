-- Every event of the week (syndicated copies folded, corrections applied, rejected events out) with its story's
-- title, outlet and URL, whether it still needs review (no copy of the story was confident or reviewed), and the
-- digest section it belongs to: new_adoption (the first report of the agency using or buying the technology),
-- pending (a proposal or a pilot: a decision still to come), ended (a ban, an end or a rejection), continuing
-- (use or purchase reported before). The event's id last, for the link to its review page.
WITH review AS (
    SELECT coalesce(c.story_id, e.article_id) AS story_id, e.agency_id, e.technology,
           bool_and(e.needs_review) AS needs_review
    FROM corrected_events e LEFT JOIN syndicated_copies c USING (article_id)
    WHERE e.review_state <> 'rejected'
    GROUP BY ALL
)
SELECT CASE WHEN e.action IN ('proposes', 'pilots') THEN 'pending'
            WHEN e.action IN ('bans', 'ends', 'rejects') THEN 'ended'
            WHEN n.agency_id IS NOT NULL THEN 'new_adoption'
            ELSE 'continuing' END AS section,
       coalesce(r.needs_review, true) AS needs_review,
       e.agency, e.agency_state AS state, e.technology, e.vendor, e.action,
       strftime(e.published AT TIME ZONE 'UTC', '%Y-%m-%d') AS date, e.evidence, s.title, s.outlet, s.url, e.event_id
FROM story_events e
LEFT JOIN stories s USING (story_id)
LEFT JOIN review r USING (story_id, agency_id, technology)
LEFT JOIN new_adoptions n ON n.agency_id = e.agency_id AND n.technology = e.technology AND n.article_id = e.story_id
WHERE e.week_start = $week
ORDER BY e.published, e.agency, e.technology, s.url;
