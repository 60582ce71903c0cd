-- Full-text hits with their tags. Parameters: $terms (the query's words as the index stores them, from
-- search_tokens.sql, quoted phrases' included); $phrases (one per quoted phrase: its words stemmed, joined and
-- wrapped in single spaces, matched against the title's and the text's words stemmed the same way) and
-- $phrase_patterns (an RE2 pattern per phrase that every text holding it matches: tried first, it is cheap);
-- $named_technologies, $named_stems, $named_in_text (one entry per run of loose words that names a
-- technology: its slug, the stems of $terms it stands for, and the stems of the technology's one-word names);
-- $technology, $agency, $state, $since, $until (each null for no filter), $limit, $may_miss.
-- An article holds a word of $terms when its text does, or when the word is part of a technology's name and
-- the tagger tagged the article with that technology (any of its names), or the tagger did not read the
-- article (another language: tag_status neither ok nor off_topic) and its text has a one-word name of it.
-- A hit holds every quoted phrase and every word but $may_miss of them, those with more words first;
-- syndicated copies are left out (their original stands for the story). The index file is attached as
-- `search`, the lake is the default database.
-- BM25 exactly as fts_main_articles.match_bm25 (k 1.2, b 0.75, same log) over the words in the text, computed
-- only for documents holding a query term instead of calling the macro once per article (12 s -> under 1 s
-- at 600k).
WITH term_tf AS (
    SELECT t.docid, t.termid, count(*) AS tf
    FROM search.fts_main_articles.terms t JOIN search.fts_main_articles.dict d ON d.termid = t.termid
    WHERE d.term IN (SELECT unnest($terms))
    GROUP BY t.docid, t.termid
), bm25 AS (
    SELECT tf.docid, list(DISTINCT d.term) AS terms,
           sum(log(((st.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1)
               * ((tf.tf * (1.2 + 1)) / (tf.tf + 1.2 * ((1 - 0.75) + 0.75 * (docs.len / st.avgdl))))) AS score
    FROM term_tf tf
    JOIN search.fts_main_articles.dict d ON d.termid = tf.termid
    JOIN search.fts_main_articles.docs docs ON docs.docid = tf.docid
    CROSS JOIN search.fts_main_articles.stats st
    GROUP BY tf.docid
), named AS (
    SELECT i, CAST($named_technologies AS VARCHAR[])[i] AS technology,
           CAST($named_stems AS VARCHAR[][])[i] AS stems, CAST($named_in_text AS VARCHAR[][])[i] AS in_text
    FROM range(1, len(CAST($named_technologies AS VARCHAR[])) + 1) r(i)
), named_hits AS (
    SELECT DISTINCT docs.docid, n.i
    FROM named n
    JOIN mentions m ON m.technology = n.technology
    JOIN search.fts_main_articles.docs docs ON docs.name = m.article_id
    UNION
    SELECT DISTINCT t.docid, n.i
    FROM named n
    JOIN search.fts_main_articles.dict d ON list_contains(n.in_text, d.term)
    JOIN search.fts_main_articles.terms t ON t.termid = d.termid
    JOIN search.fts_main_articles.docs docs ON docs.docid = t.docid
    JOIN articles a ON a.article_id = docs.name
    WHERE a.tag_status NOT IN ('ok', 'off_topic')
), held AS (
    SELECT docid, term FROM (SELECT docid, terms AS doc_terms, unnest(terms) AS term FROM bm25) x
    WHERE NOT EXISTS (SELECT 1 FROM named n WHERE list_contains(n.stems, x.term)
                                              AND NOT list_has_all(x.doc_terms, n.stems))
    UNION
    SELECT h.docid, unnest(n.stems) AS term FROM named_hits h JOIN named n ON n.i = h.i
), matches AS (
    SELECT docid, count(DISTINCT term) AS matched, list(DISTINCT term) AS terms
    FROM held
    GROUP BY docid
    HAVING count(DISTINCT term) >= len($terms) - $may_miss
), ranked AS (
    SELECT m.docid, docs.name AS article_id, m.matched, m.terms, coalesce(b.score, 0) AS score,
           coalesce(b.terms, []) AS in_text
    FROM matches m
    LEFT JOIN bm25 b ON b.docid = m.docid
    JOIN search.fts_main_articles.docs docs ON docs.docid = m.docid
), phrased AS (  -- the candidates holding every quoted phrase (none is looked at without a phrase)
    SELECT c.article_id
    FROM search.articles c
    WHERE len(CAST($phrases AS VARCHAR[])) > 0 AND c.article_id IN (SELECT article_id FROM ranked)
      AND list_bool_and([regexp_matches(lower(strip_accents(concat_ws(chr(10), c.title, c.text))), r)
                         FOR r IN CAST($phrase_patterns AS VARCHAR[])])  -- cheap, before stemming every word
      AND list_bool_and([contains(' ' || array_to_string([stem(w, 'porter') FOR w IN
                             regexp_split_to_array(lower(strip_accents(coalesce(c.title, ''))), '[^a-z0-9]+')],
                             ' ') || ' ', p)
                         OR contains(' ' || array_to_string([stem(w, 'porter') FOR w IN
                             regexp_split_to_array(lower(strip_accents(coalesce(c.text, ''))), '[^a-z0-9]+')],
                             ' ') || ' ', p)
                         FOR p IN CAST($phrases AS VARCHAR[])])
), top AS (
    SELECT r.*, a.published, a.outlet, a.title, a.url
    FROM ranked r
    JOIN articles a ON a.article_id = r.article_id
    WHERE a.duplicate_of IS NULL
      AND (len(CAST($phrases AS VARCHAR[])) = 0 OR r.article_id IN (SELECT article_id FROM phrased))
      AND ($since IS NULL OR a.published >= CAST($since AS TIMESTAMPTZ))
      AND ($until IS NULL OR a.published < CAST($until AS TIMESTAMPTZ) + INTERVAL 1 DAY)
      AND ($technology IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id
                                                                     AND m.technology = $technology))
      AND ($agency IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id
                                        AND m.label = 'agency'
                                        AND contains(lower(strip_accents(m.canonical_name)),
                                                     lower(strip_accents($agency)))))
      AND ($state IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.article_id
                                       AND m.label = 'agency' AND m.state = upper($state)))
    ORDER BY r.matched DESC, r.score DESC, a.published DESC NULLS LAST, a.article_id
    LIMIT $limit
)
SELECT t.score, t.article_id, t.published, t.outlet, t.title, t.url,
       coalesce((SELECT list(DISTINCT m.canonical_name ORDER BY m.canonical_name) FROM mentions m
                 WHERE m.article_id = t.article_id AND m.label IN ('agency', 'vendor')), []) AS entities,
       coalesce((SELECT list(DISTINCT m.technology ORDER BY m.technology) FROM mentions m
                 WHERE m.article_id = t.article_id AND m.technology IS NOT NULL), []) AS technologies,
       c.text, t.terms,
       coalesce((SELECT list(DISTINCT n.technology ORDER BY n.technology) FROM named_hits h JOIN named n ON n.i = h.i
                 WHERE h.docid = t.docid AND NOT list_has_all(t.in_text, n.stems)), []) AS through
FROM top t
JOIN search.articles c ON c.article_id = t.article_id
ORDER BY t.matched DESC, t.score DESC, t.published DESC NULLS LAST, t.article_id;
