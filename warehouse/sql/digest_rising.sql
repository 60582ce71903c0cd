-- Technologies whose stories this week exceed their average over the 12 weeks before.
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
WHERE this_week > prior_mean
ORDER BY this_week - prior_mean DESC, technology
LIMIT 8;
