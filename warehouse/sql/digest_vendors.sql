-- Vendors named in the most events of the week.
SELECT vendor, count(*) AS events, count(DISTINCT agency_id) AS agencies,
       string_agg(DISTINCT technology, ', ' ORDER BY technology) AS technologies
FROM story_events WHERE week_start = $week AND vendor_id IS NOT NULL
GROUP BY vendor_id, vendor
ORDER BY events DESC, vendor
LIMIT 10;
