-- Stories per technology for each of the 12 weeks ending with the week (missing weeks are zero).
WITH weeks AS (
    SELECT CAST($week - INTERVAL (7 * i) DAY AS DATE) AS week_start FROM range(12) t(i)
), techs AS (
    SELECT technology, sum(articles) AS total FROM weekly_technology_mentions
    WHERE week_start BETWEEN $week - INTERVAL 77 DAY AND $week GROUP BY technology
)
SELECT t.technology, w.week_start, coalesce(m.articles, 0) AS articles
FROM techs t CROSS JOIN weeks w
LEFT JOIN weekly_technology_mentions m ON m.technology = t.technology AND m.week_start = w.week_start
ORDER BY t.total DESC, t.technology, w.week_start;
