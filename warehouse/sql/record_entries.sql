-- Remember newly queued entries (registered as batch_entries) so later polls skip them.
INSERT INTO entries BY NAME
SELECT article_id, url, feed_url, title, published, polled_at AS first_seen FROM batch_entries
ON CONFLICT (article_id) DO NOTHING;
