-- Update feed health from this poll's results (registered as batch_polls).
UPDATE feeds SET
    etag = COALESCE(p.etag, feeds.etag),
    last_modified = COALESCE(p.last_modified, feeds.last_modified),
    last_polled_at = p.polled_at,
    last_status = p.status,
    last_outcome = p.outcome,
    last_error = p.error,
    consecutive_failures = CASE WHEN p.failed THEN feeds.consecutive_failures + 1 ELSE 0 END,
    entries_seen = feeds.entries_seen + p.new_entries,
    last_new_entry_at = CASE WHEN p.new_entries > 0 THEN p.polled_at ELSE feeds.last_new_entry_at END,
    poll_interval_s = p.interval_s,
    next_poll_at = p.polled_at + to_seconds(p.interval_s),
    redirected_to = COALESCE(p.redirected_to, feeds.redirected_to)
FROM batch_polls p
WHERE feeds.feed_url = p.feed_url;
