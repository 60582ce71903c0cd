-- The week's volume (coverage row for week_start = $week), zeros when nothing was fetched.
SELECT coalesce(max(articles), 0), coalesce(max(outlets), 0), coalesce(max(syndicated_copies), 0),
       coalesce(max(stories), 0), coalesce(max(stories_with_events), 0), coalesce(max(events), 0)
FROM coverage WHERE week_start = $week;
