-- Full-text hits (BM25 over title and text) with their tags; ? = query, since (date or null), limit.
-- Syndicated copies are left out: the original stands for the story.
WITH hits AS (
    SELECT article_id, fts_main_articles.match_bm25(article_id, $query) AS score
    FROM articles
    WHERE duplicate_of IS NULL
      AND ($since IS NULL OR published >= CAST($since AS TIMESTAMPTZ))
)
SELECT h.score, a.article_id, a.published, a.outlet, a.title, a.url,
       coalesce((SELECT list(DISTINCT m.canonical_name ORDER BY m.canonical_name) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.label IN ('agency', 'vendor')), []) AS entities,
       coalesce((SELECT list(DISTINCT m.technology ORDER BY m.technology) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.technology IS NOT NULL), []) AS technologies
FROM hits h JOIN articles a USING (article_id)
WHERE h.score IS NOT NULL
ORDER BY h.score DESC, a.published DESC NULLS LAST, a.article_id
LIMIT $limit;
