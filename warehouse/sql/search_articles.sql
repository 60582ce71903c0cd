-- Full-text hits with their tags. Parameters: $terms (the query's words as the index stores them, from
-- search_tokens.sql, quoted phrases' included), $phrases
-- (RE2 patterns, one per quoted phrase, matched against the lower-cased, accent-stripped title and text),
-- $technology, $agency, $state, $since, $until (each null for no filter), $limit.
-- A hit holds every quoted phrase as written and every word of the query (its stem, as the index stores it)
-- but $may_miss of them, those with more words first; syndicated copies are left out (their original stands for the story). The index file is attached as
-- `search`, the lake is the default database.
-- BM25 exactly as fts_main_articles.match_bm25 (k 1.2, b 0.75, same log), but computed only for documents
-- holding a query term instead of calling the macro once per article (12 s -> well under 1 s at 600k).
WITH term_tf AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM search.fts_main_articles.terms t JOIN search.fts_main_articles.dict d ON d.termid = t.termid
    WHERE d.term IN (SELECT unnest($terms))
    GROUP BY t.docid, t.termid
), scores AS (
    SELECT tf.docid, count(DISTINCT tf.termid) AS matched, list(DISTINCT d.term) AS terms,
           sum(log(((st.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1)
               * ((tf.tf * (1.2 + 1)) / (tf.tf + 1.2 * ((1 - 0.75) + 0.75 * (docs.len / st.avgdl))))) AS score
    FROM term_tf tf
    JOIN search.fts_main_articles.dict d ON d.termid = tf.termid
    JOIN search.fts_main_articles.docs docs ON docs.docid = tf.docid
    CROSS JOIN search.fts_main_articles.stats st
    GROUP BY tf.docid
    HAVING count(DISTINCT tf.termid) >= len($terms) - $may_miss
), hits AS (
    SELECT s.score, s.matched, s.terms, docs.name AS article_id, c.title, c.text
    FROM scores s
    JOIN search.fts_main_articles.docs docs ON docs.docid = s.docid
    JOIN search.articles c ON c.article_id = docs.name
    WHERE coalesce(list_bool_and([regexp_matches(lower(strip_accents(concat_ws(chr(10), c.title, c.text))), p)
                                  FOR p IN $phrases]), true)  -- no phrase: nothing to check
)
SELECT h.score, a.article_id, a.published, a.outlet, a.title, a.url,
       coalesce((SELECT list(DISTINCT m.canonical_name ORDER BY m.canonical_name) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.label IN ('agency', 'vendor')), []) AS entities,
       coalesce((SELECT list(DISTINCT m.technology ORDER BY m.technology) FROM mentions m
                 WHERE m.article_id = a.article_id AND m.technology IS NOT NULL), []) AS technologies,
       h.text, h.terms
FROM hits h
JOIN articles a ON a.article_id = h.article_id
WHERE a.duplicate_of IS NULL
  AND ($since IS NULL OR a.published >= CAST($since AS TIMESTAMPTZ))
  AND ($until IS NULL OR a.published < CAST($until AS TIMESTAMPTZ) + INTERVAL 1 DAY)
  AND ($technology IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id
                                                                 AND m.technology = $technology))
  AND ($agency IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id AND m.label = 'agency'
                                    AND contains(lower(strip_accents(m.canonical_name)), lower(strip_accents($agency)))))
  AND ($state IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id AND m.label = 'agency'
                                   AND m.state = upper($state)))
ORDER BY h.matched DESC, h.score DESC, a.published DESC NULLS LAST, a.article_id
LIMIT $limit;
