-- Add feeds (registered as batch_feeds); an existing feed keeps its state and gets a title if it had none.
INSERT INTO feeds BY NAME
SELECT feed_url, title, html_url, category, now() AS added_at FROM batch_feeds
ON CONFLICT (feed_url) DO UPDATE SET
    title = COALESCE(feeds.title, excluded.title),
    html_url = COALESCE(feeds.html_url, excluded.html_url),
    category = COALESCE(feeds.category, excluded.category),
    active = true;
