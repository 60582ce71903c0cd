-- new_adoptions as in 003 (the first adoption of each agency x technology pair, with its first story), plus the
-- latest adoption reported for the pair: an agency that piloted a technology and bought it later keeps the
-- pilot as its first sighting and shows 'acquires' as its latest action. When one story reports several
-- adoptions of the pair, the latest is the strongest of them (acquires, then uses, then pilots). (Numbered after
-- the issue that added it, 18.)

CREATE OR REPLACE VIEW new_adoptions AS
WITH adoptions AS (
    SELECT * FROM story_events WHERE action IN ('uses', 'acquires', 'pilots')
), firsts AS (
    SELECT * FROM adoptions
    QUALIFY row_number() OVER (PARTITION BY agency_id, technology ORDER BY published, story_id) = 1
), latest AS (
    SELECT agency_id, technology, action AS latest_action, published AS latest_seen,
           story_id AS latest_article_id, count(DISTINCT story_id) OVER (PARTITION BY agency_id, technology)
               AS adoption_stories
    FROM adoptions
    QUALIFY row_number() OVER (PARTITION BY agency_id, technology
                               ORDER BY published DESC, CASE action WHEN 'acquires' THEN 3 WHEN 'uses' THEN 2
                                                                    ELSE 1 END DESC, story_id DESC) = 1
)
SELECT f.agency_id, f.agency, f.agency_state, f.technology, f.vendor, f.action, f.published AS first_seen,
       f.week_start, f.iso_week, f.evidence, f.story_id AS article_id, s.url, s.title, s.outlet,
       l.latest_action, l.latest_seen, l.latest_article_id, l.adoption_stories
FROM firsts f
LEFT JOIN stories s USING (story_id)
JOIN latest l ON l.agency_id = f.agency_id AND l.technology = f.technology;

COMMENT ON VIEW new_adoptions IS 'First adoption (uses, acquires or pilots) of each agency x technology pair, with the first story, and the latest adoption reported since (a pilot later bought shows acquires there).';

INSERT INTO dictionary VALUES
    ('new_adoptions', 'latest_action', 'uses, acquires or pilots, as the latest story reporting an adoption of the pair says it (the strongest when that story says several: acquires, uses, pilots); the first story''s own when nothing later was reported.'),
    ('new_adoptions', 'latest_seen', 'Publish time of the latest story reporting an adoption of the pair.'),
    ('new_adoptions', 'latest_article_id', 'The latest story reporting an adoption of the pair (its original article).'),
    ('new_adoptions', 'adoption_stories', 'Stories reporting an adoption (uses, acquires or pilots) of the pair, the first included.');
