-- Every feed with its health, worst first.
SELECT feed_url, title, category, active, last_outcome, last_status, consecutive_failures, entries_seen,
       last_polled_at, last_new_entry_at, next_poll_at, last_error
FROM feeds
ORDER BY consecutive_failures DESC, feed_url;
