-- Corrections are data: what researchers confirmed, rejected or changed in machine-found events, kept apart
-- from the tagger's rows so that re-tagging or re-landing an article (which replaces its events) loses none.
-- A correction is keyed on the event's stable id (hash of article, agency and technology as the tagger found
-- them) or, for a verdict on a whole article, on the article id; the latest correction of a field wins.
-- `corrected_events` applies them; `story_events`, and through it every research view, the digest and the
-- exports, reads it and leaves rejected events out.

CREATE TABLE corrections (
    correction_id VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    event_id      VARCHAR,
    field         VARCHAR NOT NULL,
    old_value     VARCHAR,
    new_value     VARCHAR,
    reviewer      VARCHAR NOT NULL,
    corrected_at  TIMESTAMPTZ NOT NULL,
    note          VARCHAR
);

COMMENT ON TABLE corrections IS 'Reviews of events by researchers: confirm, reject, or change agency, technology, vendor or action; kept across re-tagging and re-landing, applied by corrected_events.';
COMMENT ON COLUMN corrections.correction_id IS 'Random id of the correction.';
COMMENT ON COLUMN corrections.article_id IS 'The article the corrected event is in (or the article judged as a whole).';
COMMENT ON COLUMN corrections.event_id IS 'Stable id of the event as the tagger found it (events.event_id); null for a verdict on the whole article.';
COMMENT ON COLUMN corrections.field IS 'What is corrected: review (verdict), agency, technology, vendor or action.';
COMMENT ON COLUMN corrections.old_value IS 'The value before the correction (for agency and vendor their id), as the reviewer saw it.';
COMMENT ON COLUMN corrections.new_value IS 'The value after: confirmed or rejected for review, else an agency_id, technology slug, vendor_id (null: no vendor) or action.';
COMMENT ON COLUMN corrections.reviewer IS 'Who made the correction.';
COMMENT ON COLUMN corrections.corrected_at IS 'When the correction was made.';
COMMENT ON COLUMN corrections.note IS 'The reviewer''s note, if any.';

CREATE VIEW corrected_events AS
WITH latest AS (
    SELECT event_id, field, new_value, reviewer, corrected_at FROM corrections WHERE event_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY event_id, field ORDER BY corrected_at DESC, correction_id DESC) = 1
), per_event AS (
    SELECT event_id,
           max(new_value) FILTER (WHERE field = 'review') AS verdict,
           max(corrected_at) FILTER (WHERE field = 'review') AS verdict_at,
           max(new_value) FILTER (WHERE field = 'agency') AS agency_id,
           max(new_value) FILTER (WHERE field = 'technology') AS technology,
           count(*) FILTER (WHERE field = 'vendor') > 0 AS vendor_corrected,
           max(new_value) FILTER (WHERE field = 'vendor') AS vendor_id,
           max(new_value) FILTER (WHERE field = 'action') AS action,
           count(*) FILTER (WHERE field <> 'review') > 0 AS corrected,
           arg_max(reviewer, corrected_at) AS reviewed_by, max(corrected_at) AS reviewed_at
    FROM latest GROUP BY event_id
), article_verdicts AS (
    SELECT article_id, new_value AS verdict, reviewer, corrected_at FROM corrections
    WHERE event_id IS NULL AND field = 'review'
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY corrected_at DESC, correction_id DESC) = 1
), judged AS (
    SELECT e.*, p.agency_id AS new_agency_id, p.technology AS new_technology,
           coalesce(p.vendor_corrected, false) AS vendor_corrected, p.vendor_id AS new_vendor_id,
           p.action AS new_action, coalesce(p.corrected, false) AS corrected,
           CASE WHEN a.corrected_at > coalesce(p.verdict_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') THEN a.verdict
                ELSE p.verdict END AS verdict,
           CASE WHEN a.corrected_at > coalesce(p.reviewed_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') THEN a.reviewer
                ELSE p.reviewed_by END AS reviewed_by,
           greatest(a.corrected_at, p.reviewed_at) AS reviewed_at
    FROM events e
    LEFT JOIN per_event p USING (event_id)
    LEFT JOIN article_verdicts a USING (article_id)
)
SELECT j.event_id, j.article_id,
       coalesce(j.new_agency_id, j.agency_id) AS agency_id,
       CASE WHEN j.new_agency_id IS NULL THEN j.agency ELSE coalesce(ag.name, j.new_agency_id) END AS agency,
       CASE WHEN j.new_agency_id IS NULL THEN j.agency_state ELSE ag.state END AS agency_state,
       coalesce(j.new_technology, j.technology) AS technology,
       CASE WHEN j.vendor_corrected THEN j.new_vendor_id ELSE j.vendor_id END AS vendor_id,
       CASE WHEN j.vendor_corrected THEN coalesce(v.name, j.new_vendor_id) ELSE j.vendor END AS vendor,
       coalesce(j.new_action, j.action) AS action,
       j.evidence, j.evidence_start, j.evidence_end, j.confidence,
       CASE WHEN j.verdict IS NOT NULL OR j.corrected THEN false ELSE j.needs_review END AS needs_review,
       j.published, j.landed_at,
       CASE WHEN j.verdict = 'rejected' THEN 'rejected' WHEN j.corrected THEN 'corrected'
            WHEN j.verdict = 'confirmed' THEN 'confirmed' ELSE 'unreviewed' END AS review_state,
       j.reviewed_by, j.reviewed_at
FROM judged j
LEFT JOIN agencies ag ON ag.agency_id = j.new_agency_id
LEFT JOIN vendors v ON v.vendor_id = j.new_vendor_id;

COMMENT ON VIEW corrected_events IS 'Every event with the researchers'' corrections applied, rejected ones included (review_state says which); the research views read it without the rejected.';

-- story_events as in 003, reading the corrected events and leaving the rejected out.
CREATE OR REPLACE VIEW story_events AS
WITH tagged AS (
    SELECT e.*, coalesce(c.story_id, e.article_id) AS story_id, c.story_id IS NOT NULL AS is_copy
    FROM corrected_events e LEFT JOIN syndicated_copies c USING (article_id)
    WHERE e.review_state <> 'rejected'
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

COMMENT ON VIEW story_events IS 'Events with researchers'' corrections applied, rejected ones left out, and syndicated copies folded: one row per (story, agency, technology); count rows to count events.';

INSERT INTO dictionary VALUES
    ('corrected_events', 'event_id', 'Stable id of the event as the tagger found it (corrections refer to it).'),
    ('corrected_events', 'article_id', 'Article the event was found in.'),
    ('corrected_events', 'agency_id', 'Canonical agency id, as corrected.'),
    ('corrected_events', 'agency', 'Canonical agency name, as corrected.'),
    ('corrected_events', 'agency_state', 'Two-letter US state of the agency, as corrected; null for federal and non-US.'),
    ('corrected_events', 'technology', 'Technology slug, as corrected (see the technologies table).'),
    ('corrected_events', 'vendor_id', 'Canonical vendor id, as corrected; null when none.'),
    ('corrected_events', 'vendor', 'Canonical vendor name, as corrected; null when none.'),
    ('corrected_events', 'action', 'uses, acquires, pilots, proposes, ends, bans or rejects, as corrected.'),
    ('corrected_events', 'evidence', 'The sentence that supports the event.'),
    ('corrected_events', 'evidence_start', 'Start offset of the evidence sentence in title + blank line + text.'),
    ('corrected_events', 'evidence_end', 'End offset of the evidence sentence (exclusive); null for rows landed before it was recorded.'),
    ('corrected_events', 'confidence', 'Calibrated tagger confidence, 0 to 1 (of the machine-found event).'),
    ('corrected_events', 'needs_review', 'True when the tagger was not confident and no researcher has reviewed the event yet.'),
    ('corrected_events', 'published', 'Publish time of the article.'),
    ('corrected_events', 'landed_at', 'When the event was landed (re-landing the article renews it).'),
    ('corrected_events', 'review_state', 'unreviewed, confirmed, corrected (a field changed) or rejected (left out of the research views).'),
    ('corrected_events', 'reviewed_by', 'Reviewer of the latest correction; null when unreviewed.'),
    ('corrected_events', 'reviewed_at', 'Time of the latest correction; null when unreviewed.');
