-- Articles inserted or re-landed in lake snapshots $1 to $2, as they are at snapshot $2.
CREATE OR REPLACE TEMP TABLE fts_pending AS
SELECT article_id, title, text, landed_at FROM lake.articles AT (VERSION => $2)
WHERE article_id IN (SELECT article_id FROM ducklake_table_changes('lake', 'main', 'articles', $1, $2)
                     WHERE change_type IN ('insert', 'update_postimage'));
