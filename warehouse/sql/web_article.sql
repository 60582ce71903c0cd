-- The article of an event page.
SELECT url, outlet, title, text, duplicate_of FROM articles WHERE article_id = $article_id;
