-- Pending articles that are already in the full-text index (re-landed, so their old entries must go).
SELECT count(*) FROM fts_main_articles.docs d JOIN fts_pending p ON p.article_id = d.name;
