-- Record how far the full-text index is current (? = greatest landed_at indexed).
INSERT INTO search_index_state
SELECT 1, CAST(? AS TIMESTAMPTZ), (SELECT count(*) FROM fts_main_articles.docs), now()
ON CONFLICT (id) DO UPDATE SET indexed_upto = excluded.indexed_upto, documents = excluded.documents,
    refreshed_at = excluded.refreshed_at;
