-- Articles inserted or re-landed in lake snapshots $1 to $2 (what the next refresh indexes).
SELECT count(DISTINCT article_id) FROM ducklake_table_changes('lake', 'main', 'articles', $1, $2)
WHERE change_type IN ('insert', 'update_postimage');
