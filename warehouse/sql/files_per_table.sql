-- Live Parquet data files per table of the lake (DuckLake's own catalog tables, spec 1.0): what maintenance bounds.
SELECT t.table_name, count(f.data_file_id) AS files
FROM __ducklake_metadata_lake.ducklake_table t
LEFT JOIN __ducklake_metadata_lake.ducklake_data_file f ON f.table_id = t.table_id AND f.end_snapshot IS NULL
WHERE t.end_snapshot IS NULL
GROUP BY t.table_name
ORDER BY t.table_name;
