-- The mentions of an article, to mark them in its text (offsets into title + blank line + text).
SELECT label, start_char, end_char, canonical_id, canonical_name
FROM mentions WHERE article_id = $article_id
ORDER BY start_char, end_char DESC;
