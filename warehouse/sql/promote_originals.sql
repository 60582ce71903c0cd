-- A story's earlier publication arrived after its copies (registered as batch_promotions: old, new):
-- the old original and its copies now point at the new one, which is an original itself.
UPDATE articles SET duplicate_of = p.new
FROM batch_promotions p
WHERE (articles.article_id = p.old OR articles.duplicate_of = p.old) AND articles.article_id <> p.new;
UPDATE articles SET duplicate_of = NULL WHERE article_id IN (SELECT new FROM batch_promotions);
