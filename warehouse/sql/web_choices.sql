-- What the filters and corrections offer: technologies and vendors (the agencies offered are the article's own
-- mentions, already read for the page).
SELECT 'technology' AS kind, slug AS id, name FROM technologies
UNION ALL
SELECT 'vendor', vendor_id, min(name) FROM vendors GROUP BY vendor_id
ORDER BY kind, name;
