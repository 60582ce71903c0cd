-- A synthetic warehouse: $articles articles over the 5 years up to syn_end (10% syndicated copies), their events
-- and mentions. Deterministic: every value comes from hash() of the row number, never from random().
-- Set first: SET VARIABLE syn_articles, syn_events, syn_mentions_per_article, syn_end (the last landing time).
-- Each original carries a MinHash-shaped fingerprint, so the near-duplicate window has real work to do.

CREATE TEMP TABLE syn_agencies AS
SELECT i AS n, 'agency:' || i AS agency_id, 'Agency ' || i || ' Police Department' AS name,
       ['TX','CA','NY','FL','IL','WA','GA','OH','MI','AZ','CO','NC','PA','MA','OR'][1 + (hash(i, 'st') % 15)::BIGINT] AS state
FROM range(3000) t(i);

CREATE TEMP TABLE syn_vendors AS
SELECT i AS n, 'vendor:v' || i AS vendor_id, 'Vendor ' || i AS name FROM range(60) t(i);

CREATE TEMP TABLE syn_tech AS
SELECT row_number() OVER (ORDER BY slug) - 1 AS n, slug FROM technologies;

INSERT INTO articles BY NAME
SELECT 'a' || i AS article_id, 'https://news' || (i % 400) || '.example/story/' || i AS url,
       'https://news' || (i % 400) || '.example/feed' AS feed_url, 'news' || (i % 400) || '.example' AS outlet,
       CASE WHEN (hash(i, 's') % 20)::BIGINT = 0 THEN 'http_404' ELSE 'ok' END AS status, 200 AS http_status,
       'Police weigh surveillance purchase ' || i AS title,
       'The council discussed cameras drones and plate readers with the police chief, story ' || i AS text,
       ['Staff Writer'] AS authors,
       TIMESTAMPTZ '2021-01-04 00:00:00+00' + to_seconds((i * 157680000 // getvariable('syn_articles')) + (hash(i) % 3600)::BIGINT) AS published,
       'en' AS language, 'trafilatura' AS extractor, 'mh1:' || repeat(md5(i::VARCHAR), 32) AS fingerprint,
       CASE WHEN i > 1000 AND (hash(i, 'd') % 10)::BIGINT = 0 THEN 'a' || (i - 1 - (hash(i, 'o') % 500)::BIGINT) END AS duplicate_of,
       TIMESTAMPTZ '2026-01-01 00:00:00+00' AS fetched_at, 'ok' AS tag_status, 'bench' AS tagger_version,
       getvariable('syn_end') - to_seconds(157680000 - (i * 157680000 // getvariable('syn_articles'))) AS landed_at
FROM range(getvariable('syn_articles')) t(i);

INSERT INTO events BY NAME
SELECT md5('e' || i) AS event_id, 'a' || ((hash(i, 'art') % getvariable('syn_articles'))::BIGINT) AS article_id,
       ag.agency_id, ag.name AS agency, ag.state AS agency_state, te.slug AS technology,
       CASE WHEN (hash(i, 'hv') % 3)::BIGINT > 0 THEN ve.vendor_id END AS vendor_id,
       CASE WHEN (hash(i, 'hv') % 3)::BIGINT > 0 THEN ve.name END AS vendor,
       ['uses','uses','acquires','pilots','proposes','ends','bans','rejects'][1 + (hash(i, 'act') % 8)::BIGINT] AS action,
       'Agency ' || ag.n || ' said it would use the system, according to story ' || i AS evidence,
       0 AS evidence_start, 0.5 + ((hash(i, 'c') % 50)::BIGINT) / 100 AS confidence,
       TIMESTAMPTZ '2021-01-04 00:00:00+00' AS published, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS landed_at
FROM range(getvariable('syn_events')) t(i)
JOIN syn_agencies ag ON ag.n = (hash(i, 'ag') % 3000)::BIGINT
JOIN syn_tech te ON te.n = (hash(i, 'te') % 15)::BIGINT
JOIN syn_vendors ve ON ve.n = (hash(i, 've') % 60)::BIGINT;

UPDATE events SET published = a.published FROM articles a WHERE a.article_id = events.article_id;

INSERT INTO mentions BY NAME
SELECT 'a' || (i // getvariable('syn_mentions_per_article')) AS article_id,
       ['agency','vendor','technology','product','place'][1 + i % 5] AS label,
       'span ' || i AS text, 0 AS start_char, 4 AS end_char, 'A sentence.' AS sentence,
       CASE i % 5 WHEN 0 THEN ag.agency_id WHEN 1 THEN ve.vendor_id WHEN 4 THEN 'place:p' || (i % 500)
            ELSE 'tech:' || te.slug END AS canonical_id,
       CASE i % 5 WHEN 0 THEN ag.name WHEN 1 THEN ve.name WHEN 4 THEN 'Place' ELSE te.slug END AS canonical_name,
       CASE WHEN i % 5 = 0 THEN ag.state END AS state,
       CASE WHEN i % 5 IN (2, 3) THEN te.slug END AS technology
FROM range(getvariable('syn_articles') * getvariable('syn_mentions_per_article')) t(i)
JOIN syn_agencies ag ON ag.n = (hash(i, 'mag') % 3000)::BIGINT
JOIN syn_tech te ON te.n = (hash(i, 'mte') % 15)::BIGINT
JOIN syn_vendors ve ON ve.n = (hash(i, 'mve') % 60)::BIGINT;

INSERT INTO agencies BY NAME SELECT agency_id, name, state, TIMESTAMPTZ '2021-01-04 00:00:00+00' AS first_seen FROM syn_agencies;
INSERT INTO vendors BY NAME SELECT vendor_id, name, TIMESTAMPTZ '2021-01-04 00:00:00+00' AS first_seen FROM syn_vendors;
