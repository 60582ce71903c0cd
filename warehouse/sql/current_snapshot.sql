-- The id of the lake snapshot the current transaction reads (fixed for the whole transaction).
SELECT id FROM lake.current_snapshot();
