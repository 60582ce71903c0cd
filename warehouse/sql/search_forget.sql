-- Drop the index entries of re-landed articles (fts_pending) and remember how their terms' df must fall.
CREATE OR REPLACE TEMP TABLE fts_old_docs AS
SELECT d.docid FROM fts_main_articles.docs d JOIN fts_pending p ON p.article_id = d.name;
INSERT INTO fts_df_delta
SELECT termid, -count(DISTINCT docid) FROM fts_main_articles.terms
WHERE docid IN (SELECT docid FROM fts_old_docs) GROUP BY termid;
DELETE FROM fts_main_articles.terms WHERE docid IN (SELECT docid FROM fts_old_docs);
DELETE FROM fts_main_articles.docs WHERE docid IN (SELECT docid FROM fts_old_docs);
