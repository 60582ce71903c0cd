-- Events a researcher can act on: where the evidence sentence ends, and whether the event needs a human look.

ALTER TABLE events ADD COLUMN evidence_end INTEGER;
ALTER TABLE events ADD COLUMN needs_review BOOLEAN;
-- Rows landed before this migration have no flag: the same threshold on their stored confidence.
UPDATE events SET needs_review = confidence IS NULL OR confidence < 0.8;

COMMENT ON COLUMN events.evidence_end IS 'End offset of the evidence sentence in title + blank line + text (exclusive); null for rows landed before it was recorded.';
COMMENT ON COLUMN events.needs_review IS 'True when confidence is below the tagger''s review threshold (0.8): over the annotated sets, events at or above it were right at least 90% of the time, so these are leads to check against the evidence, not findings.';
COMMENT ON COLUMN events.confidence IS 'Calibrated chance, 0 to 1, that the agency, technology and action are right (bench/results/calibration.md); 0.8 and above is a confident row.';
