-- Macros of the main schema (week_start, iso_week) with their comments (from the dictionary table).
SELECT DISTINCT f.function_name, coalesce(f.comment, d.comment) AS comment
FROM duckdb_functions() f
LEFT JOIN dictionary d ON d.object = f.function_name AND d.column_name IS NULL
WHERE f.database_name = current_database() AND f.schema_name = 'main' AND f.function_type = 'macro'
  AND NOT f.internal
ORDER BY f.function_name;
