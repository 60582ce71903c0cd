-- Active feeds whose next poll time has come (or that were never polled); $urls limits to a list when not null.
SELECT feed_url, COALESCE(redirected_to, feed_url) AS fetch_url, etag, last_modified,
       consecutive_failures, poll_interval_s, last_new_entry_at
FROM feeds
WHERE active
  AND ($urls IS NULL OR list_contains($urls, feed_url))
  AND ($force OR next_poll_at IS NULL OR next_poll_at <= now())
ORDER BY feed_url;
