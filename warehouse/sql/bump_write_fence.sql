-- Every write transaction updates the fence's one row: concurrent writers then conflict at commit and retry.
UPDATE write_fence SET commits = commits + 1;
