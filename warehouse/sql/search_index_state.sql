-- Book-keeping of the full-text index, kept in the search file itself (created on its first refresh).
CREATE TABLE IF NOT EXISTS search.search_index_state (
    id               INTEGER PRIMARY KEY,
    indexed_upto     TIMESTAMPTZ,
    indexed_snapshot BIGINT,
    documents        BIGINT NOT NULL,
    refreshed_at     TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE search.search_index_state IS 'One row: how far the full-text index over articles (schema fts_main_articles) is current.';
COMMENT ON COLUMN search.search_index_state.indexed_upto IS 'Greatest articles.landed_at in the index.';
COMMENT ON COLUMN search.search_index_state.indexed_snapshot IS 'Lake snapshot the index was brought to; articles changed in later snapshots are added by the next refresh.';
COMMENT ON COLUMN search.search_index_state.documents IS 'Articles in the index after the last refresh.';
COMMENT ON COLUMN search.search_index_state.refreshed_at IS 'When the index was last refreshed.';
