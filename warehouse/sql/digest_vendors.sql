-- Vendors named in the week's events, their adoptions (use or purchase) apart from proposals and pilots and from
-- bans, ends and rejections: a rejected contract is activity, not a sale.
SELECT vendor,
       count(*) FILTER (WHERE action IN ('uses', 'acquires')) AS adoptions,
       count(*) FILTER (WHERE action IN ('proposes', 'pilots')) AS pending,
       count(*) FILTER (WHERE action IN ('bans', 'ends', 'rejects')) AS ended,
       count(DISTINCT agency_id) AS agencies,
       string_agg(DISTINCT technology, ', ' ORDER BY technology) AS technologies
FROM story_events WHERE week_start = $week AND vendor_id IS NOT NULL
GROUP BY vendor_id, vendor
ORDER BY adoptions DESC, pending DESC, count(*) DESC, vendor
LIMIT 10;
