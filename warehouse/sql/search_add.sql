-- Add the pending articles to the index exactly as PRAGMA create_fts_index('articles', 'article_id',
-- 'title', 'text') would (same tokenize macro, stopwords and porter stemmer; fieldid 0 = title, 1 = text),
-- then apply the df changes and recompute the corpus statistics BM25 uses. The articles copy the index was
-- built from follows too, so the extension's own match_bm25 macro stays right.
DELETE FROM articles WHERE article_id IN (SELECT article_id FROM fts_pending);
INSERT INTO articles SELECT article_id, title, text FROM fts_pending;
CREATE OR REPLACE TEMP TABLE fts_new_docs AS
SELECT (SELECT coalesce(max(docid), -1) FROM fts_main_articles.docs) + row_number() OVER (ORDER BY article_id)
           AS docid,
       article_id AS name, title, text
FROM fts_pending;
CREATE OR REPLACE TEMP TABLE fts_new_terms AS
WITH tokenized AS (
    SELECT unnest(fts_main_articles.tokenize(title)) AS w, docid, 0 AS fieldid FROM fts_new_docs
    UNION ALL
    SELECT unnest(fts_main_articles.tokenize(text)) AS w, docid, 1 AS fieldid FROM fts_new_docs
)
SELECT stem(w, 'porter') AS term, docid, fieldid FROM tokenized
WHERE w IS NOT NULL AND len(w) > 0 AND w NOT IN (SELECT sw FROM fts_main_articles.stopwords);
INSERT INTO fts_main_articles.dict BY NAME
SELECT (SELECT coalesce(max(termid), -1) FROM fts_main_articles.dict) + row_number() OVER (ORDER BY term) AS termid,
       term, 0 AS df
FROM (SELECT DISTINCT term FROM fts_new_terms WHERE term NOT IN (SELECT term FROM fts_main_articles.dict));
INSERT INTO fts_main_articles.terms BY NAME
SELECT t.docid, t.fieldid, d.termid FROM fts_new_terms t JOIN fts_main_articles.dict d USING (term);
INSERT INTO fts_main_articles.docs BY NAME
SELECT n.docid, n.name, count(t.term) AS len
FROM fts_new_docs n LEFT JOIN fts_new_terms t USING (docid) GROUP BY n.docid, n.name;
INSERT INTO fts_df_delta
SELECT d.termid, count(DISTINCT t.docid) FROM fts_new_terms t JOIN fts_main_articles.dict d USING (term)
GROUP BY d.termid;
UPDATE fts_main_articles.dict SET df = dict.df + x.delta
FROM (SELECT termid, sum(delta) AS delta FROM fts_df_delta GROUP BY termid) x
WHERE dict.termid = x.termid;
DELETE FROM fts_main_articles.stats;
INSERT INTO fts_main_articles.stats SELECT count(docid), sum(len) / count(len) FROM fts_main_articles.docs;
