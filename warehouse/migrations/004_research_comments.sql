-- Data dictionary of the research views (003); `oversight schema` prints these with the table comments.
-- A DuckLake keeps comments on tables, views and table columns, but not on a view's columns or on a macro:
-- those live in the `dictionary` table, which `oversight schema` reads alongside the catalog's comments.

CREATE TABLE dictionary (
    object      VARCHAR NOT NULL,
    column_name VARCHAR,
    comment     VARCHAR NOT NULL
);
COMMENT ON TABLE dictionary IS 'Comments the lake cannot attach itself: on the columns of views, and on macros (column_name null).';
COMMENT ON COLUMN dictionary.object IS 'View or macro name.';
COMMENT ON COLUMN dictionary.column_name IS 'Column of the view; null for the view or macro itself.';
COMMENT ON COLUMN dictionary.comment IS 'What it means.';

COMMENT ON VIEW syndicated_copies IS 'Articles that are copies of a syndicated story, with the story (original article) they copy.';

COMMENT ON VIEW stories IS 'One row per story: an original article with its syndicated copies folded in (fetched ok only).';

COMMENT ON VIEW story_events IS 'Events with syndicated copies folded: one row per (story, agency, technology); count rows to count events.';

COMMENT ON VIEW story_mentions IS 'Every mention span with its story and week; count DISTINCT story_id so syndicated copies count once.';

COMMENT ON VIEW weekly_technology_mentions IS 'Per ISO week and technology: stories mentioning it, events and distinct agencies (copies count once).';

COMMENT ON VIEW weekly_vendor_mentions IS 'Per ISO week and vendor: stories mentioning it, events naming it and distinct agencies.';

COMMENT ON VIEW weekly_state_mentions IS 'Per ISO week and US state: stories mentioning an agency of the state, events and distinct agencies.';

COMMENT ON VIEW new_adoptions IS 'First adoption (uses, acquires or pilots) of each agency x technology pair, with the first story.';

COMMENT ON VIEW agency_timeline IS 'Every event of every agency with its evidence and story; filter by agency and order by published.';

COMMENT ON VIEW vendor_share IS 'Per technology, each vendor''s share of the events that name a vendor (all time).';

COMMENT ON VIEW coverage IS 'Per ISO week: articles, outlets and stories fetched, to normalise trends by news volume.';

INSERT INTO dictionary VALUES
    ('week_start', NULL, 'Monday (UTC) of the ISO week containing a timestamp: week_start(published).'),
    ('iso_week', NULL, 'ISO week label ''YYYY-Www'' of a date: iso_week(week_start).'),
    ('syndicated_copies', 'article_id', 'The copy.'),
    ('syndicated_copies', 'story_id', 'article_id of the original the copy was folded into.'),
    ('stories', 'story_id', 'article_id of the original; copies point here through articles.duplicate_of.'),
    ('stories', 'published', 'Earliest publish time among the original and its copies.'),
    ('stories', 'week_start', 'Monday (UTC) of the ISO week of the story (publish time, else fetch time).'),
    ('stories', 'url', 'URL of the original.'),
    ('stories', 'title', 'Title of the original.'),
    ('stories', 'outlet', 'Outlet of the original.'),
    ('stories', 'copies', 'Articles in the story: 1 + syndicated copies.'),
    ('stories', 'outlets', 'Upper bound of outlets that ran the story (original + distinct outlets of copies).'),
    ('story_events', 'story_id', 'article_id of the story''s original.'),
    ('story_events', 'event_id', 'The event kept for the story (the original''s, else the most confident copy''s).'),
    ('story_events', 'article_id', 'Article the kept event came from (the original unless only a copy had it).'),
    ('story_events', 'agency_id', 'Canonical agency id.'),
    ('story_events', 'agency', 'Canonical agency name.'),
    ('story_events', 'agency_state', 'Two-letter US state of the agency; null for federal and non-US.'),
    ('story_events', 'technology', 'Technology slug (see the technologies table).'),
    ('story_events', 'vendor_id', 'Canonical vendor id; null when no vendor is named.'),
    ('story_events', 'vendor', 'Canonical vendor name; null when no vendor is named.'),
    ('story_events', 'action', 'uses, acquires, pilots, proposes, ends, bans or rejects.'),
    ('story_events', 'evidence', 'The sentence that supports the event.'),
    ('story_events', 'confidence', 'Tagger confidence, 0 to 1.'),
    ('story_events', 'published', 'Publish time of the article (landing time when the article has none).'),
    ('story_events', 'week_start', 'Monday (UTC) of the ISO week of published.'),
    ('story_events', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('story_mentions', 'story_id', 'article_id of the story''s original.'),
    ('story_mentions', 'week_start', 'Monday (UTC) of the ISO week of the mentioning article.'),
    ('story_mentions', 'label', 'agency, vendor, technology, product or place.'),
    ('story_mentions', 'canonical_id', 'Canonical entity id (agency:..., vendor:..., tech:...).'),
    ('story_mentions', 'canonical_name', 'Canonical entity name.'),
    ('story_mentions', 'state', 'Two-letter US state of an agency mention.'),
    ('story_mentions', 'technology', 'Technology slug of a technology term or product mention.'),
    ('weekly_technology_mentions', 'week_start', 'Monday (UTC) of the ISO week.'),
    ('weekly_technology_mentions', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('weekly_technology_mentions', 'technology', 'Technology slug.'),
    ('weekly_technology_mentions', 'articles', 'Stories that mention the technology (a term or one of its products).'),
    ('weekly_technology_mentions', 'events', 'Events (story, agency, technology) about the technology.'),
    ('weekly_technology_mentions', 'agencies', 'Distinct agencies in those events.'),
    ('weekly_vendor_mentions', 'week_start', 'Monday (UTC) of the ISO week.'),
    ('weekly_vendor_mentions', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('weekly_vendor_mentions', 'vendor_id', 'Canonical vendor id.'),
    ('weekly_vendor_mentions', 'vendor', 'Canonical vendor name.'),
    ('weekly_vendor_mentions', 'articles', 'Stories that mention the vendor.'),
    ('weekly_vendor_mentions', 'events', 'Events that name the vendor.'),
    ('weekly_vendor_mentions', 'agencies', 'Distinct agencies in those events.'),
    ('weekly_state_mentions', 'week_start', 'Monday (UTC) of the ISO week.'),
    ('weekly_state_mentions', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('weekly_state_mentions', 'state', 'Two-letter US state.'),
    ('weekly_state_mentions', 'articles', 'Stories that mention an agency of the state.'),
    ('weekly_state_mentions', 'events', 'Events of agencies of the state.'),
    ('weekly_state_mentions', 'agencies', 'Distinct agencies of the state in those events.'),
    ('new_adoptions', 'agency_id', 'Canonical agency id.'),
    ('new_adoptions', 'agency', 'Canonical agency name.'),
    ('new_adoptions', 'agency_state', 'Two-letter US state of the agency.'),
    ('new_adoptions', 'technology', 'Technology slug.'),
    ('new_adoptions', 'vendor', 'Vendor named in the first story, if any.'),
    ('new_adoptions', 'action', 'uses, acquires or pilots, as the first story reports it.'),
    ('new_adoptions', 'first_seen', 'Publish time of the first story reporting the pair.'),
    ('new_adoptions', 'week_start', 'Monday (UTC) of the ISO week of first_seen.'),
    ('new_adoptions', 'iso_week', 'ISO week label of first_seen, YYYY-Www.'),
    ('new_adoptions', 'evidence', 'The sentence of the first story that reports it.'),
    ('new_adoptions', 'article_id', 'The first story (its original article).'),
    ('new_adoptions', 'url', 'URL of the first story.'),
    ('new_adoptions', 'title', 'Title of the first story.'),
    ('new_adoptions', 'outlet', 'Outlet of the first story.'),
    ('agency_timeline', 'agency_id', 'Canonical agency id.'),
    ('agency_timeline', 'agency', 'Canonical agency name.'),
    ('agency_timeline', 'agency_state', 'Two-letter US state of the agency.'),
    ('agency_timeline', 'published', 'Publish time of the story.'),
    ('agency_timeline', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('agency_timeline', 'technology', 'Technology slug.'),
    ('agency_timeline', 'vendor', 'Vendor named, if any.'),
    ('agency_timeline', 'action', 'uses, acquires, pilots, proposes, ends, bans or rejects.'),
    ('agency_timeline', 'evidence', 'The sentence that supports the event.'),
    ('agency_timeline', 'article_id', 'The story (its original article).'),
    ('agency_timeline', 'url', 'URL of the story''s original.'),
    ('agency_timeline', 'title', 'Title of the story''s original.'),
    ('agency_timeline', 'outlet', 'Outlet of the story''s original.'),
    ('vendor_share', 'technology', 'Technology slug.'),
    ('vendor_share', 'vendor_id', 'Canonical vendor id.'),
    ('vendor_share', 'vendor', 'Canonical vendor name.'),
    ('vendor_share', 'events', 'Events of the technology naming the vendor.'),
    ('vendor_share', 'agencies', 'Distinct agencies in those events.'),
    ('vendor_share', 'share', 'events / all events of the technology that name a vendor (0 to 1).'),
    ('vendor_share', 'first_seen', 'Earliest such event.'),
    ('vendor_share', 'last_seen', 'Latest such event.'),
    ('coverage', 'week_start', 'Monday (UTC) of the ISO week (publish time, else fetch time).'),
    ('coverage', 'iso_week', 'ISO week label, YYYY-Www.'),
    ('coverage', 'articles', 'Articles fetched ok, copies included.'),
    ('coverage', 'outlets', 'Distinct outlets among them.'),
    ('coverage', 'syndicated_copies', 'How many of them are copies of a syndicated story.'),
    ('coverage', 'stories', 'articles - syndicated_copies: each story once.'),
    ('coverage', 'stories_with_events', 'Stories with at least one event.'),
    ('coverage', 'events', 'Events (copies folded).');
