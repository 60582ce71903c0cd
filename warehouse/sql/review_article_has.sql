-- Whether an article exists (a verdict on a whole article needs one).
SELECT count(*) FROM articles WHERE article_id = $article_id;
