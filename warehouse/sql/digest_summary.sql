-- The digest's numbers for the week (i = 0) and each of the 12 weeks before (i = 1..12, zeros for a week with
-- nothing), so the summary can compare the week with their mean. Counts follow the digest's sections: new
-- adoptions are first reports of use or purchase; pending decisions are proposals and pilots; ended are bans,
-- ends and rejections.
WITH weeks AS (
    SELECT i, CAST($week - INTERVAL (7 * i) DAY AS DATE) AS week_start FROM range(13) t(i)
), ev AS (
    SELECT week_start, count(*) AS events, count(DISTINCT agency_id) AS agencies,
           count(DISTINCT agency_state) AS states, count(DISTINCT story_id) AS stories_with_events,
           count(*) FILTER (WHERE action IN ('proposes', 'pilots')) AS pending,
           count(*) FILTER (WHERE action IN ('bans', 'ends', 'rejects')) AS ended
    FROM story_events WHERE week_start BETWEEN $week - INTERVAL 84 DAY AND $week GROUP BY week_start
), adopted AS (
    SELECT week_start, count(*) AS new_adoptions FROM new_adoptions
    WHERE action IN ('uses', 'acquires') AND week_start BETWEEN $week - INTERVAL 84 DAY AND $week
    GROUP BY week_start
)
SELECT w.i, coalesce(c.stories, 0) AS stories, coalesce(ev.events, 0) AS events,
       coalesce(ev.agencies, 0) AS agencies, coalesce(ev.states, 0) AS states,
       coalesce(adopted.new_adoptions, 0) AS new_adoptions, coalesce(ev.pending, 0) AS pending,
       coalesce(ev.ended, 0) AS ended, coalesce(c.articles, 0) AS articles, coalesce(c.outlets, 0) AS outlets,
       coalesce(c.syndicated_copies, 0) AS syndicated_copies, coalesce(ev.stories_with_events, 0) AS stories_with_events
FROM weeks w
LEFT JOIN coverage c USING (week_start)
LEFT JOIN ev USING (week_start)
LEFT JOIN adopted USING (week_start)
ORDER BY w.i;
