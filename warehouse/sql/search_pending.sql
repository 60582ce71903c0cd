-- Articles landed since the index was last refreshed (? = search_index_state.indexed_upto, null for all).
CREATE OR REPLACE TEMP TABLE fts_pending AS
SELECT article_id, title, text, landed_at FROM articles
WHERE landed_at > coalesce(CAST(? AS TIMESTAMPTZ), '-infinity'::TIMESTAMPTZ);
