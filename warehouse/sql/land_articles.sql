-- Upsert the batch's articles (registered as batch_articles); a redelivered article replaces its row.
INSERT INTO articles BY NAME
SELECT article_id, url, feed_url, outlet, status, http_status, title, text, authors, published, language,
       top_image, extractor, fingerprint, duplicate_of, fetched_at, tag_status, tagger_version, now() AS landed_at
FROM batch_articles
ON CONFLICT (article_id) DO UPDATE SET
    url = excluded.url, feed_url = excluded.feed_url, outlet = excluded.outlet, status = excluded.status,
    http_status = excluded.http_status, title = excluded.title, text = excluded.text,
    authors = excluded.authors, published = excluded.published, language = excluded.language,
    top_image = excluded.top_image, extractor = excluded.extractor, fingerprint = excluded.fingerprint,
    duplicate_of = COALESCE(articles.duplicate_of, excluded.duplicate_of), fetched_at = excluded.fetched_at,
    tag_status = excluded.tag_status, tagger_version = excluded.tagger_version, landed_at = now();
