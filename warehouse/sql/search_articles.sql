-- Full-text hits with their tags; $query, $since (date or null), $limit. Syndicated copies are left out.
-- The index file is attached as `search`, the lake is the default database.
-- BM25 exactly as fts_main_articles.match_bm25 (k 1.2, b 0.75, same log), but computed only for documents
-- holding a query term instead of calling the macro once per article (12 s -> well under 1 s at 600k).
WITH tokens AS (
    SELECT DISTINCT stem(unnest(search.fts_main_articles.tokenize($query)), 'porter') AS term
), term_tf AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM search.fts_main_articles.terms t JOIN search.fts_main_articles.dict d ON d.termid = t.termid
    WHERE d.term IN (SELECT term FROM tokens)
    GROUP BY t.docid, t.termid
), scores AS (
    SELECT tf.docid,
           sum(log(((st.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1)
               * ((tf.tf * (1.2 + 1)) / (tf.tf + 1.2 * ((1 - 0.75) + 0.75 * (docs.len / st.avgdl))))) AS score
    FROM term_tf tf
    JOIN search.fts_main_articles.dict d ON d.termid = tf.termid
    JOIN search.fts_main_articles.docs docs ON docs.docid = tf.docid
    CROSS JOIN search.fts_main_articles.stats st
    GROUP BY tf.docid
)
SELECT s.score, a.article_id, a.published, a.outlet, a.title, a.url,
       coalesce((SELECT list(DISTINCT m.canonical_name ORDER BY m.canonical_name) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.label IN ('agency', 'vendor')), []) AS entities,
       coalesce((SELECT list(DISTINCT m.technology ORDER BY m.technology) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.technology IS NOT NULL), []) AS technologies
FROM scores s
JOIN search.fts_main_articles.docs docs ON docs.docid = s.docid
JOIN articles a ON a.article_id = docs.name
WHERE a.duplicate_of IS NULL
  AND ($since IS NULL OR a.published >= CAST($since AS TIMESTAMPTZ))
ORDER BY s.score DESC, a.published DESC NULLS LAST, a.article_id
LIMIT $limit;
