-- Data files written from now on are compressed with LZ4 (raw) instead of DuckLake's default, Snappy: the
-- review pages and `oversight query` look rows up by id, and a lookup decodes a whole id column. Measured on the
-- 1,000,000-event warehouse of `make bench-warehouse` (one thread): finding an event by id 40 -> 17 ms, an
-- agency's events 37 -> 14 ms, whole views within 10%, and the lake's files smaller (241 -> 194 MB). Files
-- written before keep Snappy (maintenance rewrites the small ones it merges in LZ4). (Numbered after the
-- issue that added it, 19.)

CALL lake.set_option('parquet_compression', 'lz4_raw');
