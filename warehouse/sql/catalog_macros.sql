-- Macros of the main schema (week_start, iso_week) with their comments.
SELECT DISTINCT function_name, comment FROM duckdb_functions()
WHERE database_name = current_database() AND schema_name = 'main' AND function_type = 'macro' AND NOT internal
ORDER BY function_name;
