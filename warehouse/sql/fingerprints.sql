-- Fingerprints of original (non-duplicate) articles, oldest first, to rebuild the near-duplicate index.
SELECT article_id, fingerprint FROM articles
WHERE fingerprint IS NOT NULL AND duplicate_of IS NULL
ORDER BY landed_at, article_id;
