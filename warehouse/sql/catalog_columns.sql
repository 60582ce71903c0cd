-- Columns of the main schema's tables and views with their types and comments, in column order; a view's
-- column comments come from the dictionary table (the lake keeps none on view columns).
SELECT c.table_name, c.column_name, c.data_type, coalesce(c.comment, d.comment) AS comment
FROM duckdb_columns() c
LEFT JOIN dictionary d ON d.object = c.table_name AND d.column_name = c.column_name
WHERE c.database_name = current_database() AND c.schema_name = 'main'
ORDER BY c.table_name, c.column_index;
