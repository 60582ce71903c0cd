-- Book-keeping for the full-text index (fts_main_articles), which warehouse.search keeps current.

CREATE TABLE search_index_state (
    id          INTEGER PRIMARY KEY,
    indexed_upto TIMESTAMPTZ,
    documents   BIGINT NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE search_index_state IS 'One row: how far the full-text index over articles (schema fts_main_articles) is current.';
COMMENT ON COLUMN search_index_state.indexed_upto IS 'Greatest articles.landed_at already indexed; articles landed later are added by the next refresh.';
COMMENT ON COLUMN search_index_state.documents IS 'Articles in the index after the last refresh.';
COMMENT ON COLUMN search_index_state.refreshed_at IS 'When the index was last refreshed.';
