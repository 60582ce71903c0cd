-- One event (corrections applied) with its article, for the event page.
SELECT e.event_id, e.article_id, e.agency_id, e.agency, e.agency_state, e.technology, e.vendor_id, e.vendor,
       e.action, e.evidence, e.evidence_start, e.evidence_end, e.confidence, e.needs_review, e.review_state,
       e.reviewed_by, e.reviewed_at, coalesce(e.published, e.landed_at) AS published,
       a.url, a.outlet, a.title, a.text, a.duplicate_of
FROM corrected_events e LEFT JOIN articles a ON a.article_id = e.article_id
WHERE e.event_id = $event_id;
