-- Which of the given article ids ($ids) were already queued by an earlier poll.
SELECT article_id FROM entries WHERE list_contains($ids, article_id);
