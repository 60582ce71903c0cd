-- The feeds still polled, as OPML lists them (oversight feeds export).
SELECT feed_url, title, html_url, category FROM feeds WHERE active ORDER BY feed_url
