-- Agency x technology pairs first reported (as used, acquired or piloted) in the week.
SELECT agency, agency_state, technology, vendor, action, strftime(first_seen AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, evidence, url
FROM new_adoptions WHERE week_start = $week
ORDER BY first_seen, agency, technology, url;
