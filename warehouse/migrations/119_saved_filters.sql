-- Named filters of the review pages: a researcher saves a list's filters under a name and follows them at a
-- stable URL, /saved/NAME (the list) and /saved/NAME.atom (its Atom feed), however the filters change later.
-- (Numbered after the issue that added it, 19, like 117.)

CREATE TABLE saved_filters (
    name VARCHAR NOT NULL,
    query VARCHAR NOT NULL,
    saved_by VARCHAR,
    saved_at TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE saved_filters IS 'Filters of the events list saved under a name by a researcher (`oversight web`): each is followed at /saved/NAME and its Atom feed /saved/NAME.atom. Saving a name again replaces its filters.';
COMMENT ON COLUMN saved_filters.name IS 'Name of the filter in its URL: lower-case letters, digits and hyphens, at most 60.';
COMMENT ON COLUMN saved_filters.query IS 'The filters as URL query parameters (technology, state, agency, vendor, action, week, review, sort), checked when saved.';
COMMENT ON COLUMN saved_filters.saved_by IS 'Reviewer who saved it last (the review pages'' reviewer name).';
COMMENT ON COLUMN saved_filters.saved_at IS 'When it was saved last (UTC).';
