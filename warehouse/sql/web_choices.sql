-- What the filters and corrections offer: technologies, vendors, and the agencies mentioned in an article.
SELECT 'technology' AS kind, slug AS id, name FROM technologies
UNION ALL
SELECT 'vendor', vendor_id, min(name) FROM vendors GROUP BY vendor_id
UNION ALL
SELECT 'agency', canonical_id, min(canonical_name) FROM mentions
WHERE article_id = $article_id AND label = 'agency' GROUP BY canonical_id
ORDER BY kind, name;
