-- Research views. A syndicated story (an original plus copies with duplicate_of set) counts once everywhere:
-- the views read `story_events` (copies folded into their original) and `story_mentions` (counted by DISTINCT story_id).
-- Weeks are ISO weeks in UTC: week_start is the Monday, iso_week the 'YYYY-Www' label.

-- Integer arithmetic on the instant, so the answer does not depend on the session's TimeZone (and is fast).
CREATE MACRO week_start(ts) AS
    DATE '1970-01-05' + 7 * CAST(floor((epoch_us(ts) - 345600000000) / 604800000000) AS INTEGER);
CREATE MACRO iso_week(d) AS strftime(d, '%G-W%V');

CREATE VIEW syndicated_copies AS
SELECT article_id, duplicate_of AS story_id FROM articles WHERE duplicate_of IS NOT NULL;

CREATE VIEW stories AS
SELECT o.article_id AS story_id, least(o.published, c.published) AS published,
       week_start(coalesce(least(o.published, c.published), o.fetched_at)) AS week_start,
       o.url, o.title, o.outlet, 1 + coalesce(c.copies, 0) AS copies, 1 + coalesce(c.other_outlets, 0) AS outlets
FROM articles o
LEFT JOIN (
    SELECT duplicate_of AS article_id, min(published) AS published, count(*) AS copies,
           count(DISTINCT outlet) AS other_outlets
    FROM articles WHERE duplicate_of IS NOT NULL AND status = 'ok' GROUP BY duplicate_of
) c USING (article_id)
WHERE o.status = 'ok' AND o.duplicate_of IS NULL;

CREATE VIEW story_events AS
WITH tagged AS (
    SELECT e.*, coalesce(c.story_id, e.article_id) AS story_id, c.story_id IS NOT NULL AS is_copy
    FROM events e LEFT JOIN syndicated_copies c USING (article_id)
), folded AS (
    SELECT * EXCLUDE (is_copy) FROM tagged WHERE NOT is_copy
    UNION ALL
    SELECT * EXCLUDE (is_copy) FROM tagged c
    WHERE is_copy AND NOT EXISTS (
        SELECT 1 FROM tagged o
        WHERE NOT o.is_copy AND o.story_id = c.story_id AND o.agency_id = c.agency_id
          AND o.technology = c.technology)
    QUALIFY row_number() OVER (PARTITION BY story_id, agency_id, technology ORDER BY confidence DESC, article_id) = 1
)
SELECT story_id, event_id, article_id, agency_id, agency, agency_state, technology, vendor_id, vendor, action,
       evidence, confidence, coalesce(published, landed_at) AS published,
       week_start(coalesce(published, landed_at)) AS week_start,
       iso_week(week_start(coalesce(published, landed_at))) AS iso_week
FROM folded;

CREATE VIEW story_mentions AS
SELECT coalesce(a.duplicate_of, a.article_id) AS story_id,
       week_start(coalesce(a.published, a.fetched_at)) AS week_start,
       m.label, m.canonical_id, m.canonical_name, m.state, m.technology
FROM mentions m JOIN articles a ON a.article_id = m.article_id
WHERE a.status = 'ok';

CREATE VIEW weekly_technology_mentions AS
WITH mentioned AS (
    SELECT week_start, technology, count(DISTINCT story_id) AS articles
    FROM story_mentions WHERE technology IS NOT NULL GROUP BY ALL
), evented AS (
    SELECT week_start, technology, count(*) AS events, count(DISTINCT agency_id) AS agencies
    FROM story_events GROUP BY ALL
)
SELECT week_start, iso_week(week_start) AS iso_week, technology,
       coalesce(m.articles, 0) AS articles, coalesce(e.events, 0) AS events, coalesce(e.agencies, 0) AS agencies
FROM mentioned m FULL JOIN evented e USING (week_start, technology);

CREATE VIEW weekly_vendor_mentions AS
WITH mentioned AS (
    SELECT week_start, canonical_id AS vendor_id, min(canonical_name) AS vendor, count(DISTINCT story_id) AS articles
    FROM story_mentions WHERE label = 'vendor' GROUP BY ALL
), evented AS (
    SELECT week_start, vendor_id, min(vendor) AS vendor, count(*) AS events, count(DISTINCT agency_id) AS agencies
    FROM story_events WHERE vendor_id IS NOT NULL GROUP BY ALL
)
SELECT week_start, iso_week(week_start) AS iso_week, vendor_id, coalesce(m.vendor, e.vendor) AS vendor,
       coalesce(m.articles, 0) AS articles, coalesce(e.events, 0) AS events, coalesce(e.agencies, 0) AS agencies
FROM mentioned m FULL JOIN evented e USING (week_start, vendor_id);

CREATE VIEW weekly_state_mentions AS
WITH mentioned AS (
    SELECT week_start, state, count(DISTINCT story_id) AS articles
    FROM story_mentions WHERE label = 'agency' AND state IS NOT NULL GROUP BY ALL
), evented AS (
    SELECT week_start, agency_state AS state, count(*) AS events, count(DISTINCT agency_id) AS agencies
    FROM story_events WHERE agency_state IS NOT NULL GROUP BY ALL
)
SELECT week_start, iso_week(week_start) AS iso_week, state,
       coalesce(m.articles, 0) AS articles, coalesce(e.events, 0) AS events, coalesce(e.agencies, 0) AS agencies
FROM mentioned m FULL JOIN evented e USING (week_start, state);

CREATE VIEW new_adoptions AS
WITH firsts AS (
    SELECT * FROM story_events
    WHERE action IN ('uses', 'acquires', 'pilots')
    QUALIFY row_number() OVER (PARTITION BY agency_id, technology ORDER BY published, story_id) = 1
)
SELECT f.agency_id, f.agency, f.agency_state, f.technology, f.vendor, f.action, f.published AS first_seen,
       f.week_start, f.iso_week, f.evidence, f.story_id AS article_id, s.url, s.title, s.outlet
FROM firsts f LEFT JOIN stories s USING (story_id);

CREATE VIEW agency_timeline AS
SELECT e.agency_id, e.agency, e.agency_state, e.published, e.iso_week, e.technology, e.vendor, e.action,
       e.evidence, e.story_id AS article_id, a.url, a.title, a.outlet
FROM story_events e LEFT JOIN articles a ON a.article_id = e.story_id;

CREATE VIEW vendor_share AS
SELECT technology, vendor_id, min(vendor) AS vendor, count(*) AS events, count(DISTINCT agency_id) AS agencies,
       count(*) / sum(count(*)) OVER (PARTITION BY technology) AS share,
       min(published) AS first_seen, max(published) AS last_seen
FROM story_events
WHERE vendor_id IS NOT NULL
GROUP BY technology, vendor_id;

CREATE VIEW coverage AS
WITH fetched AS (
    SELECT week_start(coalesce(published, fetched_at)) AS week_start, count(*) AS articles,
           count(DISTINCT outlet) AS outlets, count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS syndicated_copies
    FROM articles WHERE status = 'ok' GROUP BY ALL
), evented AS (
    SELECT week_start, count(DISTINCT story_id) AS stories_with_events, count(*) AS events
    FROM story_events GROUP BY ALL
)
SELECT week_start, iso_week(week_start) AS iso_week, f.articles, f.outlets, f.syndicated_copies,
       f.articles - f.syndicated_copies AS stories,
       coalesce(e.stories_with_events, 0) AS stories_with_events, coalesce(e.events, 0) AS events
FROM fetched f LEFT JOIN evented e USING (week_start);
