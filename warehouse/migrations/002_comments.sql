-- The data dictionary lives in the warehouse itself: `oversight schema` prints these comments.

COMMENT ON TABLE feeds IS 'Feeds polled, with their health: conditional-GET validators, last outcome, failures, schedule.';
COMMENT ON COLUMN feeds.feed_url IS 'Feed URL as registered (OPML import, feeds add, or the run''s feed file).';
COMMENT ON COLUMN feeds.active IS 'False once a feed is removed or flagged as dead; inactive feeds are not polled.';
COMMENT ON COLUMN feeds.etag IS 'ETag of the last 200 response, sent back as If-None-Match.';
COMMENT ON COLUMN feeds.last_modified IS 'Last-Modified of the last 200 response, sent back as If-Modified-Since.';
COMMENT ON COLUMN feeds.last_status IS 'HTTP status of the last poll (null when no response).';
COMMENT ON COLUMN feeds.last_outcome IS 'Outcome label of the last poll: ok, not_modified, http_404, timeout, bad_feed, ...';
COMMENT ON COLUMN feeds.last_error IS 'Error text of the last failed poll, or the parser problem of a malformed but usable feed.';
COMMENT ON COLUMN feeds.consecutive_failures IS 'Polls in a row that failed; reset by a successful poll.';
COMMENT ON COLUMN feeds.entries_seen IS 'New entries found in this feed since it was added.';
COMMENT ON COLUMN feeds.last_new_entry_at IS 'When the feed last yielded an entry not seen before.';
COMMENT ON COLUMN feeds.poll_interval_s IS 'Current adaptive poll interval in seconds.';
COMMENT ON COLUMN feeds.next_poll_at IS 'The feed is not polled before this time.';
COMMENT ON COLUMN feeds.redirected_to IS 'Target of a permanent redirect (301/308); polled instead of feed_url.';

COMMENT ON TABLE entries IS 'Every feed entry ever queued for fetching, so a later poll skips it.';
COMMENT ON COLUMN entries.article_id IS 'Hash of the canonical article URL; the key of the article everywhere.';
COMMENT ON COLUMN entries.first_seen IS 'When a poll first found the entry.';

COMMENT ON TABLE articles IS 'One row per fetched article with its outcome; text and metadata as extracted.';
COMMENT ON COLUMN articles.article_id IS 'Hash of the canonical URL (stable across re-runs).';
COMMENT ON COLUMN articles.url IS 'Canonical article URL (trackers, fragments and AMP variants removed).';
COMMENT ON COLUMN articles.feed_url IS 'Feed the article came from.';
COMMENT ON COLUMN articles.outlet IS 'Host name of the publisher.';
COMMENT ON COLUMN articles.status IS 'Fetch/extract outcome: ok, no_text, http_404, not_html, too_large, timeout, ...';
COMMENT ON COLUMN articles.http_status IS 'HTTP status of the page fetch.';
COMMENT ON COLUMN articles.authors IS 'Author names (bylines cleaned of titles and URLs).';
COMMENT ON COLUMN articles.published IS 'Publish time from page metadata, else the feed entry, else the URL.';
COMMENT ON COLUMN articles.language IS 'ISO 639-1 language detected from the text.';
COMMENT ON COLUMN articles.extractor IS 'Which extractor produced the text (trafilatura, readability, newspaper3k).';
COMMENT ON COLUMN articles.fingerprint IS 'Near-duplicate fingerprint of the text (word shingles).';
COMMENT ON COLUMN articles.duplicate_of IS 'article_id of the first-seen copy of the same syndicated story; null for originals.';
-- Superseded by 014 (tag_error is a dead letter, not a row), kept as applied:
COMMENT ON COLUMN articles.tag_status IS 'Tagging outcome: ok, off_topic (no technology or surveillance vendor named: NER skipped, no events), not_english, no_text, tag_error, or the article status it inherited.';
COMMENT ON COLUMN articles.tagger_version IS 'Tagger and gazetteer version that produced the mentions and events.';
COMMENT ON COLUMN articles.landed_at IS 'When the article was (last) written to the warehouse.';

COMMENT ON TABLE mentions IS 'Every entity span the tagger found, resolved to a canonical entity.';
COMMENT ON COLUMN mentions.label IS 'agency, vendor, technology, product or place.';
COMMENT ON COLUMN mentions.text IS 'The span as written in the article.';
COMMENT ON COLUMN mentions.start_char IS 'Start offset in title + blank line + text.';
COMMENT ON COLUMN mentions.end_char IS 'End offset (exclusive) in title + blank line + text.';
COMMENT ON COLUMN mentions.sentence IS 'The sentence the span sits in.';
COMMENT ON COLUMN mentions.canonical_id IS 'Id of the canonical entity (agency:..., vendor:..., tech:...).';
COMMENT ON COLUMN mentions.canonical_name IS 'Canonical name of the entity.';
COMMENT ON COLUMN mentions.state IS 'Two-letter US state of an agency; null for federal and non-US agencies.';
COMMENT ON COLUMN mentions.technology IS 'Technology slug of a technology term or product mention.';

COMMENT ON TABLE events IS 'An agency using, acquiring, piloting, proposing, ending, banning or rejecting a technology, with evidence.';
COMMENT ON COLUMN events.event_id IS 'Hash of (article_id, agency_id, technology).';
COMMENT ON COLUMN events.agency IS 'Canonical agency name.';
COMMENT ON COLUMN events.agency_state IS 'Two-letter US state of the agency; null for federal and non-US.';
COMMENT ON COLUMN events.technology IS 'Technology slug (see the technologies table).';
COMMENT ON COLUMN events.vendor IS 'Canonical vendor tied to the event in the text; null when none is named.';
COMMENT ON COLUMN events.action IS 'uses, acquires, pilots, proposes, ends, bans or rejects.';
COMMENT ON COLUMN events.evidence IS 'The sentence that supports the event.';
COMMENT ON COLUMN events.evidence_start IS 'Start offset of the evidence sentence in title + blank line + text.';
COMMENT ON COLUMN events.confidence IS 'Tagger confidence in the event, 0 to 1.';
COMMENT ON COLUMN events.published IS 'Publish time of the article (the event date researchers count by).';

COMMENT ON TABLE agencies IS 'Canonical agencies seen in any mention, with their state.';
COMMENT ON TABLE vendors IS 'Canonical vendors seen in any mention.';
COMMENT ON TABLE technologies IS 'The fixed technology taxonomy (slugs of the tagging contract).';

COMMENT ON TABLE dead_letters IS 'Inputs and messages that could not be processed, with the reason; oversight replay sends them back.';
COMMENT ON COLUMN dead_letters.stage IS 'Stage that gave up: poll, extract, tag or land.';
COMMENT ON COLUMN dead_letters.source_topic IS 'Topic the original message came from (and goes back to on replay).';
COMMENT ON COLUMN dead_letters.reason IS 'Short outcome label: bad_feed, not_html, too_large, bad_message, ...';
COMMENT ON COLUMN dead_letters.payload IS 'The original message or input, as text.';
COMMENT ON COLUMN dead_letters.source_offset IS 'Where the message was read: topic[partition]@offset, or the URL.';
COMMENT ON COLUMN dead_letters.replayed_at IS 'When oversight replay last sent it back; null if never.';

COMMENT ON TABLE schema_migrations IS 'Migrations applied to this warehouse, in order.';
