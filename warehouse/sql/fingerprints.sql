-- Fingerprints of original (non-duplicate) articles with their publish time, to rebuild the near-duplicate index.
SELECT article_id, fingerprint, published FROM articles
WHERE fingerprint IS NOT NULL AND fingerprint <> '' AND duplicate_of IS NULL;
