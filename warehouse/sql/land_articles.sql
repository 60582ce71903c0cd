-- Upsert the batch's articles (registered as batch_articles), keyed on article_id: a redelivered article
-- replaces its row, keeping the original it was already found to copy.
MERGE INTO articles USING batch_articles b ON articles.article_id = b.article_id
WHEN MATCHED THEN UPDATE SET
    url = b.url, feed_url = b.feed_url, outlet = b.outlet, status = b.status, http_status = b.http_status,
    title = b.title, text = b.text, authors = b.authors, published = b.published, language = b.language,
    top_image = b.top_image, extractor = b.extractor, fingerprint = b.fingerprint,
    duplicate_of = COALESCE(articles.duplicate_of, b.duplicate_of), fetched_at = b.fetched_at,
    tag_status = b.tag_status, tagger_version = b.tagger_version, landed_at = now()
WHEN NOT MATCHED THEN INSERT (
    article_id, url, feed_url, outlet, status, http_status, title, text, authors, published, language,
    top_image, extractor, fingerprint, duplicate_of, fetched_at, tag_status, tagger_version, landed_at)
VALUES (
    b.article_id, b.url, b.feed_url, b.outlet, b.status, b.http_status, b.title, b.text, b.authors, b.published,
    b.language, b.top_image, b.extractor, b.fingerprint, b.duplicate_of, b.fetched_at, b.tag_status,
    b.tagger_version, now());
