-- Forget a named filter (before saving it anew, or when a researcher deletes it).
DELETE FROM saved_filters WHERE name = $name;
