-- The id, title and text of every article as of lake snapshot ? (the table PRAGMA create_fts_index reads).
CREATE OR REPLACE TABLE articles AS
SELECT article_id, title, text FROM lake.articles AT (VERSION => ?);
