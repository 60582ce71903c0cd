-- Articles landed after the last full-text refresh (0 when the index is current).
SELECT count(*) FROM articles
WHERE landed_at > coalesce((SELECT max(indexed_upto) FROM search_index_state), '-infinity'::TIMESTAMPTZ);
