-- The columns 002 left without a comment: every column of every table now says what it holds
-- (tests/test_dictionary.py fails on any column, of a table or a view, that does not).

COMMENT ON COLUMN feeds.title IS 'Feed title from the OPML outline or the feed itself.';
COMMENT ON COLUMN feeds.html_url IS 'The site the feed belongs to (OPML htmlUrl or the feed''s link).';
COMMENT ON COLUMN feeds.category IS 'Category from the OPML outline (free text, e.g. local-news); null when none.';
COMMENT ON COLUMN feeds.added_at IS 'When the feed was first registered.';
COMMENT ON COLUMN feeds.last_polled_at IS 'When the feed was last polled (whatever the outcome); null if never.';

COMMENT ON COLUMN entries.url IS 'Canonical URL of the entry''s article (what article_id hashes).';
COMMENT ON COLUMN entries.feed_url IS 'Feed the entry was first found in.';
COMMENT ON COLUMN entries.title IS 'Entry title as the feed gave it.';
COMMENT ON COLUMN entries.published IS 'Publish time the feed gave for the entry; null when the feed has none.';

COMMENT ON COLUMN articles.title IS 'Headline as extracted from the page.';
COMMENT ON COLUMN articles.text IS 'Main text as extracted (boilerplate, navigation and a leading copy of the headline removed).';
COMMENT ON COLUMN articles.top_image IS 'URL of the page''s lead image (og:image), not fetched.';
COMMENT ON COLUMN articles.fetched_at IS 'When the page was fetched.';

COMMENT ON COLUMN mentions.article_id IS 'Article the span was found in (articles.article_id).';

COMMENT ON COLUMN events.article_id IS 'Article that reports the event (articles.article_id); a syndicated copy keeps its own.';
COMMENT ON COLUMN events.agency_id IS 'Canonical agency id (agencies.agency_id).';
COMMENT ON COLUMN events.vendor_id IS 'Canonical vendor id (vendors.vendor_id); null when no vendor is named.';
COMMENT ON COLUMN events.landed_at IS 'When the event was (last) written to the warehouse.';

COMMENT ON COLUMN agencies.agency_id IS 'Canonical agency id (agency:...), the key used in mentions and events.';
COMMENT ON COLUMN agencies.name IS 'Canonical agency name.';
COMMENT ON COLUMN agencies.state IS 'Two-letter US state; null for federal and non-US agencies.';
COMMENT ON COLUMN agencies.first_seen IS 'When an article first mentioning the agency landed.';

COMMENT ON COLUMN vendors.vendor_id IS 'Canonical vendor id (vendor:...), the key used in mentions and events.';
COMMENT ON COLUMN vendors.name IS 'Canonical vendor name.';
COMMENT ON COLUMN vendors.first_seen IS 'When an article first mentioning the vendor landed.';

COMMENT ON COLUMN technologies.slug IS 'Technology slug used in events.technology and mentions.technology.';
COMMENT ON COLUMN technologies.name IS 'Display name.';
COMMENT ON COLUMN technologies.description IS 'What the technology covers, with typical products.';

COMMENT ON COLUMN dead_letters.dead_letter_id IS 'Hash of the failure (stage, message and reason), so a redelivered failure repeats it; oversight replay --id takes it.';
COMMENT ON COLUMN dead_letters.key IS 'Message key (the article_id or feed URL), when there is one.';
COMMENT ON COLUMN dead_letters.error IS 'Error text of the failure, for a human.';
COMMENT ON COLUMN dead_letters.failed_at IS 'When the stage gave up on it.';

COMMENT ON COLUMN schema_migrations.version IS 'Migration number (the file name''s prefix).';
COMMENT ON COLUMN schema_migrations.name IS 'Migration file name without .sql.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied to this warehouse.';
