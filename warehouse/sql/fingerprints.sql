-- Fingerprints of original (non-duplicate) articles landed after $since, with their publish and landing
-- times: the near-duplicate index holds the originals of a recent window, topped up batch by batch.
SELECT article_id, fingerprint, published, landed_at FROM articles
WHERE fingerprint IS NOT NULL AND fingerprint <> '' AND duplicate_of IS NULL AND landed_at > $since
ORDER BY landed_at;
