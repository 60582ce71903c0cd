-- Bans, endings and rejections reported in the week; event_id last (for its page link).
SELECT e.agency, e.agency_state, e.technology, e.vendor, e.action, strftime(e.published AT TIME ZONE 'UTC', '%Y-%m-%d') AS day,
       e.evidence, a.url, e.event_id
FROM story_events e LEFT JOIN articles a ON a.article_id = e.story_id
WHERE e.week_start = $week AND e.action IN ('bans', 'ends', 'rejects')
ORDER BY e.published, e.agency, e.technology, a.url;
