-- corrected_events as in 019, with the agency the tagger found kept beside the corrected one
-- (tagged_agency_id): a lookup of an agency's events (the review pages' timeline) filters on it, which reaches
-- the Parquet scan, instead of on the corrected agency, which is known only after joining every event to the
-- corrections; the few events a correction moved to the agency are looked up by id.

CREATE OR REPLACE VIEW corrected_events AS
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
), named AS (
    SELECT p.*, coalesce(ag.name, p.agency_id) AS agency_name, ag.state AS agency_state,
           coalesce(v.name, p.vendor_id) AS vendor_name
    FROM per_event p
    LEFT JOIN agencies ag ON ag.agency_id = p.agency_id
    LEFT JOIN vendors v ON v.vendor_id = p.vendor_id
), article_verdicts AS (
    SELECT article_id, new_value AS verdict, reviewer, corrected_at FROM corrections
    WHERE event_id IS NULL AND field = 'review'
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY corrected_at DESC, correction_id DESC) = 1
), judged AS (
    SELECT e.*, p.agency_id AS new_agency_id, p.agency_name AS new_agency, p.agency_state AS new_agency_state,
           p.technology AS new_technology, coalesce(p.vendor_corrected, false) AS vendor_corrected,
           p.vendor_id AS new_vendor_id, p.vendor_name AS new_vendor, p.action AS new_action,
           coalesce(p.corrected, false) AS corrected,
           CASE WHEN a.corrected_at > coalesce(p.verdict_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') THEN a.verdict
                ELSE p.verdict END AS verdict,
           CASE WHEN a.corrected_at > coalesce(p.reviewed_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') THEN a.reviewer
                ELSE p.reviewed_by END AS reviewed_by,
           greatest(a.corrected_at, p.reviewed_at) AS reviewed_at
    FROM events e
    LEFT JOIN named p USING (event_id)
    LEFT JOIN article_verdicts a USING (article_id)
)
SELECT j.event_id, j.article_id,
       coalesce(j.new_agency_id, j.agency_id) AS agency_id,
       CASE WHEN j.new_agency_id IS NULL THEN j.agency ELSE j.new_agency END AS agency,
       CASE WHEN j.new_agency_id IS NULL THEN j.agency_state ELSE j.new_agency_state END AS agency_state,
       coalesce(j.new_technology, j.technology) AS technology,
       CASE WHEN j.vendor_corrected THEN j.new_vendor_id ELSE j.vendor_id END AS vendor_id,
       CASE WHEN j.vendor_corrected THEN j.new_vendor ELSE j.vendor END AS vendor,
       coalesce(j.new_action, j.action) AS action,
       j.evidence, j.evidence_start, j.evidence_end, j.confidence,
       CASE WHEN j.verdict IS NOT NULL OR j.corrected THEN false ELSE j.needs_review END AS needs_review,
       j.published, j.landed_at,
       CASE WHEN j.verdict = 'rejected' THEN 'rejected' WHEN j.corrected THEN 'corrected'
            WHEN j.verdict = 'confirmed' THEN 'confirmed' ELSE 'unreviewed' END AS review_state,
       j.reviewed_by, j.reviewed_at, j.agency_id AS tagged_agency_id
FROM judged j;

COMMENT ON VIEW corrected_events IS 'Every event with the researchers'' corrections applied, rejected ones included (review_state says which); the research views read it without the rejected.';

INSERT INTO dictionary VALUES
    ('corrected_events', 'tagged_agency_id', 'Canonical agency id as the tagger found it, before any correction (agency_id is the corrected one).');
