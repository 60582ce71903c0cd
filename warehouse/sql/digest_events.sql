-- Every event of the week (syndicated copies folded) for events-YYYY-Www.csv; event_id last (for its page link).
SELECT e.agency, e.agency_state AS state, e.technology, e.vendor, e.action,
       strftime(e.published AT TIME ZONE 'UTC', '%Y-%m-%d') AS date, e.evidence, a.url, e.event_id
FROM story_events e LEFT JOIN articles a ON a.article_id = e.story_id
WHERE e.week_start = $week
ORDER BY e.published, e.agency, e.technology, a.url;
