-- Remember newly queued entries (registered as batch_entries), keyed on article_id, so later polls skip them.
MERGE INTO entries USING (
    SELECT article_id, any_value(url) AS url, any_value(feed_url) AS feed_url, any_value(title) AS title,
           any_value(published) AS published, min(polled_at) AS first_seen
    FROM batch_entries GROUP BY article_id
) b ON entries.article_id = b.article_id
WHEN NOT MATCHED THEN INSERT (article_id, url, feed_url, title, published, first_seen)
VALUES (b.article_id, b.url, b.feed_url, b.title, b.published, b.first_seen);
