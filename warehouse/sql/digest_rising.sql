-- Technologies rising this week: at least $min_stories stories and at least $ratio times their weekly mean over
-- the 12 weeks before (stories count a syndicated story once).
WITH window_ AS (
    SELECT technology, week_start, articles FROM weekly_technology_mentions
    WHERE week_start BETWEEN $week - INTERVAL 84 DAY AND $week
), scored AS (
    SELECT technology,
           coalesce(sum(articles) FILTER (WHERE week_start = $week), 0) AS this_week,
           coalesce(sum(articles) FILTER (WHERE week_start < $week), 0) / 12.0 AS prior_mean
    FROM window_ GROUP BY technology
)
SELECT technology, this_week, round(prior_mean, 2) AS prior_mean FROM scored
WHERE this_week >= $min_stories AND this_week >= $ratio * prior_mean
ORDER BY this_week - prior_mean DESC, technology
LIMIT 8;
