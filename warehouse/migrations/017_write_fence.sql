-- One row every write transaction updates. DuckLake lets two transactions append to the same table without a
-- conflict, so two land workers merging the same article at once would both insert it; both updating this
-- row makes the later commit conflict instead, and it is retried on top of the first (every article once).

CREATE TABLE write_fence (commits BIGINT NOT NULL);
INSERT INTO write_fence VALUES (0);

COMMENT ON TABLE write_fence IS 'One row that every write transaction updates, so that concurrent writers of the lake (land workers on several machines) conflict at commit and retry instead of both inserting the same rows. Not research data.';
COMMENT ON COLUMN write_fence.commits IS 'Write transactions committed since the fence was created (migrations not counted).';
