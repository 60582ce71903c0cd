-- Record how far the full-text index is current (? = the lake snapshot indexed).
INSERT INTO search_index_state
SELECT 1, (SELECT max(landed_at) FROM lake.articles AT (VERSION => $1)), $1,
       (SELECT count(*) FROM fts_main_articles.docs), now()
ON CONFLICT (id) DO UPDATE SET indexed_upto = excluded.indexed_upto, indexed_snapshot = excluded.indexed_snapshot,
    documents = excluded.documents, refreshed_at = excluded.refreshed_at;
