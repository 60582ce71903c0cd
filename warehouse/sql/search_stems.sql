-- $words as the index stores them: each stemmed as create_fts_index does (porter), in order.
SELECT [stem(w, 'porter') FOR w IN CAST($words AS VARCHAR[])];
