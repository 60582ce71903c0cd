-- Title, outlet and copy status of a few articles (the rows of an agency timeline).
SELECT article_id, title, outlet, duplicate_of IS NOT NULL AS is_copy
FROM articles WHERE article_id IN (SELECT unnest($article_ids));
