-- Save a named filter (its old row, if any, was forgotten in the same transaction).
INSERT INTO saved_filters VALUES ($name, $query, $saved_by, now());
