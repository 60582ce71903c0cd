-- What a field may be corrected to: agencies and vendors by id or exact name (case-insensitive), technologies
-- by slug or name. Returns (kind, id).
SELECT 'agency' AS kind, agency_id AS id FROM agencies WHERE agency_id = $value OR lower(name) = lower($value)
UNION ALL
SELECT 'vendor', vendor_id FROM vendors WHERE vendor_id = $value OR lower(name) = lower($value)
UNION ALL
SELECT 'technology', slug FROM technologies WHERE slug = $value OR lower(name) = lower($value);
