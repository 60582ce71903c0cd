-- Replace the events of the batch's articles (registered as batch_events).
DELETE FROM events WHERE article_id IN (SELECT article_id FROM batch_articles);
INSERT INTO events BY NAME SELECT *, now() AS landed_at FROM batch_events;
