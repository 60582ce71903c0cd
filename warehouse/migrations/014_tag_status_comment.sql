-- 002 listed tag_error among tag_status's values: a tagger exception is now a `tag_error` dead letter that
-- `oversight replay` retries, never an article row (only `oversight tag --out` files carry that status).
COMMENT ON COLUMN articles.tag_status IS 'Tagging outcome: ok, off_topic (no technology or surveillance vendor named: NER skipped, no events), not_english, no_text, or the article status it inherited.';
