-- Add feeds (registered as batch_feeds), keyed on feed_url; an existing feed keeps its state and gets a title
-- if it had none.
MERGE INTO feeds USING (
    SELECT feed_url, any_value(title) AS title, any_value(html_url) AS html_url, any_value(category) AS category
    FROM batch_feeds GROUP BY feed_url
) b ON feeds.feed_url = b.feed_url
WHEN MATCHED THEN UPDATE SET
    title = COALESCE(feeds.title, b.title), html_url = COALESCE(feeds.html_url, b.html_url),
    category = COALESCE(feeds.category, b.category), active = true
WHEN NOT MATCHED THEN INSERT (feed_url, title, html_url, category, added_at)
VALUES (b.feed_url, b.title, b.html_url, b.category, now());
