-- The searchable words of $words as the index stores them: (porter stem, a word that gave it), stop words out.
SELECT stem(w, 'porter') AS term, min(w) AS word
FROM (SELECT unnest(search.fts_main_articles.tokenize($words)) AS w)
WHERE len(w) > 0 AND w NOT IN (SELECT sw FROM search.fts_main_articles.stopwords)
GROUP BY term
ORDER BY term;
