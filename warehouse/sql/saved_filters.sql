-- Every named filter, or the one named $name (null: all), by name.
SELECT name, query, saved_by, saved_at FROM saved_filters
WHERE $name IS NULL OR name = $name
ORDER BY name;
