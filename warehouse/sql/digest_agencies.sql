-- Agencies in the most stories of the week.
SELECT agency, agency_state, count(DISTINCT story_id) AS stories, count(*) AS events,
       string_agg(DISTINCT technology, ', ' ORDER BY technology) AS technologies
FROM story_events WHERE week_start = $week
GROUP BY agency_id, agency, agency_state
ORDER BY stories DESC, events DESC, agency
LIMIT 10;
