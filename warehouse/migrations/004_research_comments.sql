-- Data dictionary of the research views (003); `oversight schema` prints these with the table comments.

COMMENT ON MACRO week_start IS 'Monday (UTC) of the ISO week containing a timestamp: week_start(published).';
COMMENT ON MACRO iso_week IS 'ISO week label ''YYYY-Www'' of a date: iso_week(week_start).';

COMMENT ON VIEW syndicated_copies IS 'Articles that are copies of a syndicated story, with the story (original article) they copy.';
COMMENT ON COLUMN syndicated_copies.article_id IS 'The copy.';
COMMENT ON COLUMN syndicated_copies.story_id IS 'article_id of the original the copy was folded into.';

COMMENT ON VIEW stories IS 'One row per story: an original article with its syndicated copies folded in (fetched ok only).';
COMMENT ON COLUMN stories.story_id IS 'article_id of the original; copies point here through articles.duplicate_of.';
COMMENT ON COLUMN stories.published IS 'Earliest publish time among the original and its copies.';
COMMENT ON COLUMN stories.week_start IS 'Monday (UTC) of the ISO week of the story (publish time, else fetch time).';
COMMENT ON COLUMN stories.url IS 'URL of the original.';
COMMENT ON COLUMN stories.title IS 'Title of the original.';
COMMENT ON COLUMN stories.outlet IS 'Outlet of the original.';
COMMENT ON COLUMN stories.copies IS 'Articles in the story: 1 + syndicated copies.';
COMMENT ON COLUMN stories.outlets IS 'Upper bound of outlets that ran the story (original + distinct outlets of copies).';

COMMENT ON VIEW story_events IS 'Events with syndicated copies folded: one row per (story, agency, technology); count rows to count events.';
COMMENT ON COLUMN story_events.story_id IS 'article_id of the story''s original.';
COMMENT ON COLUMN story_events.event_id IS 'The event kept for the story (the original''s, else the most confident copy''s).';
COMMENT ON COLUMN story_events.article_id IS 'Article the kept event came from (the original unless only a copy had it).';
COMMENT ON COLUMN story_events.agency_id IS 'Canonical agency id.';
COMMENT ON COLUMN story_events.agency IS 'Canonical agency name.';
COMMENT ON COLUMN story_events.agency_state IS 'Two-letter US state of the agency; null for federal and non-US.';
COMMENT ON COLUMN story_events.technology IS 'Technology slug (see the technologies table).';
COMMENT ON COLUMN story_events.vendor_id IS 'Canonical vendor id; null when no vendor is named.';
COMMENT ON COLUMN story_events.vendor IS 'Canonical vendor name; null when no vendor is named.';
COMMENT ON COLUMN story_events.action IS 'uses, acquires, pilots, proposes, ends, bans or rejects.';
COMMENT ON COLUMN story_events.evidence IS 'The sentence that supports the event.';
COMMENT ON COLUMN story_events.confidence IS 'Tagger confidence, 0 to 1.';
COMMENT ON COLUMN story_events.published IS 'Publish time of the article (landing time when the article has none).';
COMMENT ON COLUMN story_events.week_start IS 'Monday (UTC) of the ISO week of published.';
COMMENT ON COLUMN story_events.iso_week IS 'ISO week label, YYYY-Www.';

COMMENT ON VIEW story_mentions IS 'Every mention span with its story and week; count DISTINCT story_id so syndicated copies count once.';
COMMENT ON COLUMN story_mentions.story_id IS 'article_id of the story''s original.';
COMMENT ON COLUMN story_mentions.week_start IS 'Monday (UTC) of the ISO week of the mentioning article.';
COMMENT ON COLUMN story_mentions.label IS 'agency, vendor, technology, product or place.';
COMMENT ON COLUMN story_mentions.canonical_id IS 'Canonical entity id (agency:..., vendor:..., tech:...).';
COMMENT ON COLUMN story_mentions.canonical_name IS 'Canonical entity name.';
COMMENT ON COLUMN story_mentions.state IS 'Two-letter US state of an agency mention.';
COMMENT ON COLUMN story_mentions.technology IS 'Technology slug of a technology term or product mention.';

COMMENT ON VIEW weekly_technology_mentions IS 'Per ISO week and technology: stories mentioning it, events and distinct agencies (copies count once).';
COMMENT ON COLUMN weekly_technology_mentions.week_start IS 'Monday (UTC) of the ISO week.';
COMMENT ON COLUMN weekly_technology_mentions.iso_week IS 'ISO week label, YYYY-Www.';
COMMENT ON COLUMN weekly_technology_mentions.technology IS 'Technology slug.';
COMMENT ON COLUMN weekly_technology_mentions.articles IS 'Stories that mention the technology (a term or one of its products).';
COMMENT ON COLUMN weekly_technology_mentions.events IS 'Events (story, agency, technology) about the technology.';
COMMENT ON COLUMN weekly_technology_mentions.agencies IS 'Distinct agencies in those events.';

COMMENT ON VIEW weekly_vendor_mentions IS 'Per ISO week and vendor: stories mentioning it, events naming it and distinct agencies.';
COMMENT ON COLUMN weekly_vendor_mentions.week_start IS 'Monday (UTC) of the ISO week.';
COMMENT ON COLUMN weekly_vendor_mentions.iso_week IS 'ISO week label, YYYY-Www.';
COMMENT ON COLUMN weekly_vendor_mentions.vendor_id IS 'Canonical vendor id.';
COMMENT ON COLUMN weekly_vendor_mentions.vendor IS 'Canonical vendor name.';
COMMENT ON COLUMN weekly_vendor_mentions.articles IS 'Stories that mention the vendor.';
COMMENT ON COLUMN weekly_vendor_mentions.events IS 'Events that name the vendor.';
COMMENT ON COLUMN weekly_vendor_mentions.agencies IS 'Distinct agencies in those events.';

COMMENT ON VIEW weekly_state_mentions IS 'Per ISO week and US state: stories mentioning an agency of the state, events and distinct agencies.';
COMMENT ON COLUMN weekly_state_mentions.week_start IS 'Monday (UTC) of the ISO week.';
COMMENT ON COLUMN weekly_state_mentions.iso_week IS 'ISO week label, YYYY-Www.';
COMMENT ON COLUMN weekly_state_mentions.state IS 'Two-letter US state.';
COMMENT ON COLUMN weekly_state_mentions.articles IS 'Stories that mention an agency of the state.';
COMMENT ON COLUMN weekly_state_mentions.events IS 'Events of agencies of the state.';
COMMENT ON COLUMN weekly_state_mentions.agencies IS 'Distinct agencies of the state in those events.';

COMMENT ON VIEW new_adoptions IS 'First adoption (uses, acquires or pilots) of each agency x technology pair, with the first story.';
COMMENT ON COLUMN new_adoptions.agency_id IS 'Canonical agency id.';
COMMENT ON COLUMN new_adoptions.agency IS 'Canonical agency name.';
COMMENT ON COLUMN new_adoptions.agency_state IS 'Two-letter US state of the agency.';
COMMENT ON COLUMN new_adoptions.technology IS 'Technology slug.';
COMMENT ON COLUMN new_adoptions.vendor IS 'Vendor named in the first story, if any.';
COMMENT ON COLUMN new_adoptions.action IS 'uses, acquires or pilots, as the first story reports it.';
COMMENT ON COLUMN new_adoptions.first_seen IS 'Publish time of the first story reporting the pair.';
COMMENT ON COLUMN new_adoptions.week_start IS 'Monday (UTC) of the ISO week of first_seen.';
COMMENT ON COLUMN new_adoptions.iso_week IS 'ISO week label of first_seen, YYYY-Www.';
COMMENT ON COLUMN new_adoptions.evidence IS 'The sentence of the first story that reports it.';
COMMENT ON COLUMN new_adoptions.article_id IS 'The first story (its original article).';
COMMENT ON COLUMN new_adoptions.url IS 'URL of the first story.';
COMMENT ON COLUMN new_adoptions.title IS 'Title of the first story.';
COMMENT ON COLUMN new_adoptions.outlet IS 'Outlet of the first story.';

COMMENT ON VIEW agency_timeline IS 'Every event of every agency with its evidence and story; filter by agency and order by published.';
COMMENT ON COLUMN agency_timeline.agency_id IS 'Canonical agency id.';
COMMENT ON COLUMN agency_timeline.agency IS 'Canonical agency name.';
COMMENT ON COLUMN agency_timeline.agency_state IS 'Two-letter US state of the agency.';
COMMENT ON COLUMN agency_timeline.published IS 'Publish time of the story.';
COMMENT ON COLUMN agency_timeline.iso_week IS 'ISO week label, YYYY-Www.';
COMMENT ON COLUMN agency_timeline.technology IS 'Technology slug.';
COMMENT ON COLUMN agency_timeline.vendor IS 'Vendor named, if any.';
COMMENT ON COLUMN agency_timeline.action IS 'uses, acquires, pilots, proposes, ends, bans or rejects.';
COMMENT ON COLUMN agency_timeline.evidence IS 'The sentence that supports the event.';
COMMENT ON COLUMN agency_timeline.article_id IS 'The story (its original article).';
COMMENT ON COLUMN agency_timeline.url IS 'URL of the story''s original.';
COMMENT ON COLUMN agency_timeline.title IS 'Title of the story''s original.';
COMMENT ON COLUMN agency_timeline.outlet IS 'Outlet of the story''s original.';

COMMENT ON VIEW vendor_share IS 'Per technology, each vendor''s share of the events that name a vendor (all time).';
COMMENT ON COLUMN vendor_share.technology IS 'Technology slug.';
COMMENT ON COLUMN vendor_share.vendor_id IS 'Canonical vendor id.';
COMMENT ON COLUMN vendor_share.vendor IS 'Canonical vendor name.';
COMMENT ON COLUMN vendor_share.events IS 'Events of the technology naming the vendor.';
COMMENT ON COLUMN vendor_share.agencies IS 'Distinct agencies in those events.';
COMMENT ON COLUMN vendor_share.share IS 'events / all events of the technology that name a vendor (0 to 1).';
COMMENT ON COLUMN vendor_share.first_seen IS 'Earliest such event.';
COMMENT ON COLUMN vendor_share.last_seen IS 'Latest such event.';

COMMENT ON VIEW coverage IS 'Per ISO week: articles, outlets and stories fetched, to normalise trends by news volume.';
COMMENT ON COLUMN coverage.week_start IS 'Monday (UTC) of the ISO week (publish time, else fetch time).';
COMMENT ON COLUMN coverage.iso_week IS 'ISO week label, YYYY-Www.';
COMMENT ON COLUMN coverage.articles IS 'Articles fetched ok, copies included.';
COMMENT ON COLUMN coverage.outlets IS 'Distinct outlets among them.';
COMMENT ON COLUMN coverage.syndicated_copies IS 'How many of them are copies of a syndicated story.';
COMMENT ON COLUMN coverage.stories IS 'articles - syndicated_copies: each story once.';
COMMENT ON COLUMN coverage.stories_with_events IS 'Stories with at least one event.';
COMMENT ON COLUMN coverage.events IS 'Events (copies folded).';
